// Package gin is a stub of the framework's handler context.
package gin

import (
	"net/http"
	"time"
)

type Context struct {
	Request *http.Request
}

func (c *Context) Param(key string) string                 { return "" }
func (c *Context) Query(key string) string                 { return "" }
func (c *Context) DefaultQuery(key, def string) string     { return "" }
func (c *Context) PostForm(key string) string              { return "" }
func (c *Context) ShouldBindJSON(obj any) error            { return nil }
func (c *Context) JSON(code int, obj any)                  {}
func (c *Context) Deadline() (deadline time.Time, ok bool) { return }
func (c *Context) Done() <-chan struct{}                   { return nil }
func (c *Context) Err() error                              { return nil }
func (c *Context) Value(key any) any                       { return nil }

type HandlerFunc func(*Context)
