package unseen

import (
	"net/http"

	"unseen/store"
)

func handler(s *store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Rename("t")                     // want `store.Rename, which no handler of its package reaches, makes calls the guards cannot see: \(\*sql.DB\).Exec without a context \(store.go:13\); pass it the request's context`
		store.Convert(r.FormValue("img")) // want `store.Convert, which no handler of its package reaches, makes calls the guards cannot see: exec.Command \(store.go:21\)`
		s.Count()
		store.Open(nil)
	}
}

// Start-up code calls the store too: nothing to report.
func setup(s *store.Store) {
	s.Rename("t")
}
