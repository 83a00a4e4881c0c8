package grpcguard_test

import (
	"net"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/grpcguard"
	"google.golang.org/grpc"
)

// Example registers both interceptors; handlers pass their ctx (or the
// stream's Context()) to the guards. It starts a server, so it is not run.
func Example() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect))
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(grpcguard.UnaryServerInterceptor(grpcguard.WithAgent(a))),
		grpc.StreamInterceptor(grpcguard.StreamServerInterceptor(grpcguard.WithAgent(a))),
	)
	// srv.RegisterService(...) for the application's services.
	lis, err := net.Listen("tcp", "127.0.0.1:50051")
	if err != nil {
		return
	}
	_ = srv.Serve(lis)
}
