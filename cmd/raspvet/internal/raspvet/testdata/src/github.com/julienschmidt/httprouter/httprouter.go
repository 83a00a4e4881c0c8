// Package httprouter is a stub of the router's parameters.
package httprouter

type Param struct{ Key, Value string }

type Params []Param

func (ps Params) ByName(name string) string { return "" }
