package internal

import (
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/ngrok/sqlmw"
	_ "github.com/pingcap/tidb/pkg/parser"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
	_ "github.com/rs/zerolog"
	_ "golang.org/x/tools/go/analysis"
	_ "golang.org/x/tools/go/analysis/analysistest"
	_ "golang.org/x/tools/go/analysis/singlechecker"
	_ "mvdan.cc/sh/v3/syntax"
)
