package raspvet

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
)

// Import paths of the routers and frameworks whose handlers raspvet knows.
const (
	pathGin        = "github.com/gin-gonic/gin"
	pathEcho       = "github.com/labstack/echo/v4"
	pathEchoV3     = "github.com/labstack/echo"
	pathHTTPRouter = "github.com/julienschmidt/httprouter"
	pathPgxguard   = "github.com/gorasp/rasp/pgxguard"
	pathSqlx       = "github.com/jmoiron/sqlx"
	pathProtoref   = "google.golang.org/protobuf/reflect/protoreflect"
)

// A requestKind says how a parameter carries request data.
type requestKind int

const (
	notRequest  requestKind = iota
	reqHTTP                 // *http.Request (chi.URLParam and mux.Vars read it)
	reqGin                  // *gin.Context
	reqEcho                 // echo.Context
	reqParams               // httprouter.Params
	reqProtoMsg             // a gRPC request message
)

// requestKindOf says whether a parameter of type t holds request data.
// Every accessor of such a value (gin's c.Param and c.Query, echo's
// c.QueryParam, ps.ByName, a message's fields and getters) then yields
// request data, which is how the taint rules follow them.
func requestKindOf(t types.Type) requestKind {
	switch {
	case t == nil:
		return notRequest
	case isNamed(t, true, "net/http", "Request"):
		return reqHTTP
	case isNamed(t, true, pathGin, "Context"):
		return reqGin
	case isNamed(t, false, pathEcho, "Context"), isNamed(t, false, pathEchoV3, "Context"):
		return reqEcho
	case isNamed(t, false, pathHTTPRouter, "Params"):
		return reqParams
	case isProtoMessage(t):
		return reqProtoMsg
	}
	return notRequest
}

// isProtoMessage reports whether t is a pointer to a generated protocol
// buffer message: it has the ProtoReflect method of the current API or the
// ProtoMessage marker of the old one.
func isProtoMessage(t types.Type) bool {
	if _, ok := types.Unalias(t).(*types.Pointer); !ok {
		return false
	}
	ms := types.NewMethodSet(t)
	if sel := ms.Lookup(nil, "ProtoReflect"); sel != nil {
		sig := sel.Obj().Type().(*types.Signature)
		return sig.Params().Len() == 0 && sig.Results().Len() == 1 &&
			isNamed(sig.Results().At(0).Type(), false, pathProtoref, "Message")
	}
	if sel := ms.Lookup(nil, "ProtoMessage"); sel != nil {
		sig := sel.Obj().Type().(*types.Signature)
		return sig.Params().Len() == 0 && sig.Results().Len() == 0
	}
	return false
}

// funcInfo is what a function's signature says about it as a handler.
type funcInfo struct {
	handler bool   // an HTTP handler, a framework handler or a gRPC method
	ctx     string // an expression for the request's context; "" when none
}

// funcInfoOf describes the function with type ft (a method when recv) for
// a call at pos.
func (c *checker) funcInfoOf(ft *ast.FuncType, recv bool, pos token.Pos) funcInfo {
	var hasWriter, hasRequest, hasMessage bool
	var ctxName, reqName, ginName, echoName string
	for _, field := range ft.Params.List {
		t := c.pass.TypesInfo.TypeOf(field.Type)
		if isNamed(t, false, "net/http", "ResponseWriter") {
			hasWriter = true
			continue
		}
		if isContextType(t) {
			if ctxName == "" {
				ctxName = c.visibleName(field.Names, pos)
			}
			continue
		}
		switch requestKindOf(t) {
		case reqHTTP:
			hasRequest = true
			if reqName == "" {
				reqName = c.visibleName(field.Names, pos)
			}
		case reqGin:
			if ginName == "" {
				ginName = c.visibleName(field.Names, pos)
			}
		case reqEcho:
			if echoName == "" {
				echoName = c.visibleName(field.Names, pos)
			}
		case reqProtoMsg:
			hasMessage = true
		}
	}
	var fi funcInfo
	// A gRPC unary method takes (ctx, *Request); the framework handlers
	// take their context type.
	fi.handler = hasWriter && hasRequest || ginName != "" || echoName != "" ||
		recv && hasMessage && slices.ContainsFunc(ft.Params.List, func(f *ast.Field) bool {
			return isContextType(c.pass.TypesInfo.TypeOf(f.Type))
		})
	switch {
	case ctxName != "":
		fi.ctx = ctxName
	case reqName != "":
		fi.ctx = reqName + ".Context()"
	case ginName != "":
		fi.ctx = ginName + ".Request.Context()"
	case echoName != "":
		fi.ctx = echoName + ".Request().Context()"
	}
	return fi
}

// A sinkShape says where the SQL text of a query method is.
type sinkShape struct {
	path, recv string
	methods    map[string]int // method -> index of the SQL text argument
}

var (
	// gorm's finishers take inline conditions after the destination: a
	// string first condition is SQL text (gorm issue 2517: First(&u, id)).
	gormMethods = map[string]int{
		"Raw": 0, "Exec": 0, "Where": 0, "Or": 0, "Not": 0, "Having": 0,
		"Order": 0, "Select": 0, "Group": 0, "Joins": 0,
		"First": 1, "Last": 1, "Take": 1, "Find": 1, "Delete": 1, "FirstOrInit": 1, "FirstOrCreate": 1,
	}
	sqlxMethods = map[string]int{
		"Select": 1, "Get": 1, "SelectContext": 2, "GetContext": 2,
		"Queryx": 0, "QueryRowx": 0, "MustExec": 0, "NamedExec": 0, "NamedQuery": 0, "Preparex": 0,
		"QueryxContext": 1, "QueryRowxContext": 1, "MustExecContext": 1,
		"NamedExecContext": 1, "NamedQueryContext": 1, "PreparexContext": 1, "PrepareNamed": 0,
	}
	pgxMethods = map[string]int{"Query": 1, "QueryRow": 1, "Exec": 1}
)

// sinkShapes are the query methods of the ORMs and drivers raspvet knows,
// besides database/sql. gorm's condition methods take SQL text when their
// argument is a string; a struct or a map is bound.
var sinkShapes = []sinkShape{
	{"gorm.io/gorm", "DB", gormMethods},
	{"github.com/jinzhu/gorm", "DB", gormMethods},
	{"github.com/jmoiron/sqlx", "DB", sqlxMethods},
	{"github.com/jmoiron/sqlx", "Tx", sqlxMethods},
	{"github.com/jackc/pgx/v5", "Conn", pgxMethods},
	{"github.com/jackc/pgx/v5", "Tx", pgxMethods},
	{"github.com/jackc/pgx/v5/pgxpool", "Pool", pgxMethods},
	{"github.com/jackc/pgx/v5/pgxpool", "Conn", pgxMethods},
	{"github.com/jackc/pgx/v5/pgxpool", "Tx", pgxMethods},
	{"github.com/jackc/pgx/v4", "Conn", pgxMethods},
	{"github.com/jackc/pgx/v4", "Tx", pgxMethods},
	{"github.com/jackc/pgx/v4/pgxpool", "Pool", pgxMethods},
	{"github.com/jackc/pgx/v4/pgxpool", "Conn", pgxMethods},
	{"github.com/jackc/pgx/v4/pgxpool", "Tx", pgxMethods},
}

// sinkTextIndex returns the index of the SQL text argument of fn when fn
// is a query method of a known ORM or driver other than database/sql.
func sinkTextIndex(fn *types.Func) (int, bool) {
	for _, s := range sinkShapes {
		if recvName(fn, s.path) != s.recv {
			continue
		}
		i, ok := s.methods[fn.Name()]
		return i, ok
	}
	return 0, false
}
