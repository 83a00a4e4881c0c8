package otelrasp_test

import (
	"log"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/otelrasp"
	"go.opentelemetry.io/otel"
)

// Example registers an agent's counters with the global MeterProvider.
func Example() {
	agent := rasp.New(rasp.WithMode(rasp.ModeMonitor))
	if _, err := otelrasp.Register(otel.Meter("github.com/gorasp/rasp"), agent); err != nil {
		log.Print(err)
	}
	// Output:
}
