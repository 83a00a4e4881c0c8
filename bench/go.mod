module github.com/gorasp/rasp/bench

go 1.26.0

replace github.com/gorasp/rasp => ../

require (
	github.com/DataDog/go-libddwaf/v4 v4.10.0
	github.com/gorasp/rasp v0.0.0-00010101000000-000000000000
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/ngrok/sqlmw v0.0.0-20220520173518-97c9c04efc79
)

require (
	github.com/ebitengine/purego v0.8.3 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/rs/zerolog v1.35.1 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
