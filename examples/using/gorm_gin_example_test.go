package using_test

import (
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Example_gormGin: gorm opens the wrapped driver by name
// (sqlite.Config{DriverName: ...}; postgres.Config and mysql.Config have the
// same field), and each handler passes the request's context with
// db.WithContext(c.Request.Context()). Not db.WithContext(c): a
// *gin.Context is a context.Context, but not the request's, so it carries no
// inputs. The agent's middleware wraps the whole gin engine.
func Example_gormGin() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	driver.Register("sqlite3-rasp-gorm", &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))

	file, cleanup := tempDB()
	defer cleanup()
	db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "sqlite3-rasp-gorm", DSN: file}),
		&gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		panic(err)
	}
	type Book struct {
		ID     uint
		Title  string
		Author string
	}
	_ = db.AutoMigrate(&Book{})
	db.Create(&[]Book{{Title: "Dune", Author: "Herbert"}, {Title: "Emma", Author: "Austen"}})

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/books", func(c *gin.Context) {
		var books []Book
		err := db.WithContext(c.Request.Context()).
			Where("author = '" + c.Query("author") + "'").Order("title").Find(&books).Error
		if err != nil {
			c.String(http.StatusInternalServerError, "query failed")
			return
		}
		var titles []string
		for _, b := range books {
			titles = append(titles, b.Title)
		}
		c.String(http.StatusOK, strings.Join(titles, ","))
	})
	h := agent.Middleware(r)
	try(h, "/books", "author", "Herbert")
	try(h, "/books", "author", "x' OR 1=1 --")
	// Output:
	// author="Herbert": 200 Dune
	// author="x' OR 1=1 --": 403 Forbidden
}
