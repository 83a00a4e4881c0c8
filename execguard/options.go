package execguard

import "slices"

// Option configures a [Guard]. Options apply in order; the last one wins,
// except those documented as appending.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	env []string // dangerous environment variables; "X*" is a prefix
}

func newConfig(opts ...Option) config {
	c := config{env: slices.Clone(DangerousEnv)}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithDangerousEnv adds names to the environment variables whose value must
// not hold request input (appending to [DangerousEnv]). A name ending in
// "*" is a prefix ("MYAPP_HOOK_*"). Empty names are ignored.
func WithDangerousEnv(names ...string) Option {
	return optionFunc(func(c *config) {
		for _, n := range names {
			if n != "" && n != "*" {
				c.env = append(c.env, n)
			}
		}
	})
}

// Guard holds an execguard configuration. The package-level functions use
// a Guard with the defaults; build one with [New] only to change them. A
// Guard is safe for concurrent use and holds no per-request state: the
// agent and the request inputs come from each call's context.
type Guard struct {
	cfg config
}

// New returns a guard configured by opts.
func New(opts ...Option) *Guard {
	return &Guard{cfg: newConfig(opts...)}
}

var defaultGuard = New()
