package pgxguard

// For BenchmarkInternalCheck: the clean path's look at the stack, and the
// whole walk it replaced, as seen from their caller.
var (
	IsInternal        = isInternal
	WholeWalkInternal = func() bool { return callerOf().internal }
)
