// Package mux is a stub of the router's request accessors.
package mux

import "net/http"

func Vars(r *http.Request) map[string]string { return nil }
