// Package echo is a stub of the framework's handler context.
package echo

import "net/http"

type Context interface {
	Request() *http.Request
	Param(name string) string
	QueryParam(name string) string
	FormValue(name string) string
	Bind(i any) error
	String(code int, s string) error
}
