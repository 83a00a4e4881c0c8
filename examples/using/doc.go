// Package using shows rasp wired into the libraries Go services use with it:
// sqlx, gorm with gin, pgx's database/sql connector, otelsql, otelhttp, and
// commands that outlive their request. Each Example is compiled by go test;
// those that need no server also run and check their output. The README's
// "Using rasp with ..." table points here.
package using
