package ginguard_test

import (
	"github.com/gin-gonic/gin"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/ginguard"
)

// Example puts the middleware in gin's chain; handlers pass
// c.Request.Context() to the guards. It starts a server, so it is not run.
func Example() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect))
	r := gin.New()
	r.Use(gin.Recovery(), ginguard.Middleware(ginguard.WithAgent(a)))
	r.GET("/users/:id", func(c *gin.Context) {
		// db.QueryContext(c.Request.Context(), ...)
	})
	_ = r.Run("127.0.0.1:8080")
}
