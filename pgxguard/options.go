package pgxguard

import "github.com/gorasp/rasp"

// Option configures a [Tracer]; see [NewTracer]. Options apply in order and
// the last one wins.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	agent *rasp.Agent // nil: the context's agent, else rasp.Default()
}

func newConfig(opts ...Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithAgent sets the agent used when a call's context carries none (the
// middleware puts its agent in the request's context, and that one wins).
// Without it such calls use [rasp.Default]. A nil agent keeps the default.
func WithAgent(a *rasp.Agent) Option {
	return optionFunc(func(c *config) {
		if a != nil {
			c.agent = a
		}
	})
}
