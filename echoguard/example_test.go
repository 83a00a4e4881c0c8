package echoguard_test

import (
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/echoguard"
	"github.com/labstack/echo/v4"
)

// Example puts the middleware in echo's chain; handlers pass
// c.Request().Context() to the guards. It starts a server, so it is not
// run.
func Example() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect))
	e := echo.New()
	e.Use(echoguard.Middleware(echoguard.WithAgent(a)))
	e.GET("/users/:id", func(c echo.Context) error {
		// db.QueryContext(c.Request().Context(), ...)
		return nil
	})
	_ = e.Start("127.0.0.1:8080")
}
