package rasp

import (
	"context"

	"github.com/gorasp/rasp/internal/agentlink"
)

// The agent's machinery for guard authors is exported by package guard,
// which reads these functions from agentlink.
func init() {
	agentlink.Link = &agentlink.Funcs[Agent, Mode, Finding, Detail, Request]{
		ContextAgent: contextAgent,
		Begin:        (*Agent).begin,
		BlindSpot:    (*Agent).blindSpot,
		Decide:       (*Agent).decideIn,
		Fault:        (*Agent).faultIn,
		Partial:      (*Agent).partial,
		PartialInspection: func(ctx context.Context) bool {
			st := requestFrom(ctx)
			return st != nil && st.isPartial()
		},
		StartCall: func(a *Agent, ctx context.Context, req Request) agentlink.Call {
			return a.startCall(ctx, req)
		},
	}
}
