package integration

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Account is the model the gorm tests store.
type Account struct {
	ID    uint   `gorm:"primaryKey"`
	Name  string `gorm:"size:64;not null"`
	Role  string `gorm:"size:16;not null"`
	Score int
}

// gormBackends open gorm on the wrapped drivers, each on its own database.
var gormBackends = []struct {
	name string
	open func(t *testing.T) *gorm.DB
}{
	{"sqlite", func(t *testing.T) *gorm.DB {
		dsn := "file:" + filepath.Join(t.TempDir(), "gorm.db") + "?_busy_timeout=5000"
		return openGorm(t, sqlite.New(sqlite.Config{DriverName: "rasp-sqlite3", DSN: dsn}))
	}},
	{"postgres", func(t *testing.T) *gorm.DB {
		return openGorm(t, postgres.New(postgres.Config{DriverName: "rasp-pgx", DSN: pgSchemaDSN(t, "rasp_gorm")}))
	}},
}

func openGorm(t *testing.T, d gorm.Dialector) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	db = db.WithContext(quiet)
	if err := db.AutoMigrate(&Account{}); err != nil {
		t.Fatal(err)
	}
	seedAccounts := []Account{{Name: "alice", Role: "admin", Score: 90}, {Name: "bob", Role: "user", Score: 75}, {Name: "carol", Role: "user", Score: 82}}
	if err := db.Create(&seedAccounts).Error; err != nil {
		t.Fatal(err)
	}
	return db
}

func countAccounts(t *testing.T, db *gorm.DB) (n, admins int64) {
	t.Helper()
	if err := db.WithContext(quiet).Model(&Account{}).Count(&n).Error; err != nil {
		t.Fatalf("accounts table: %v", err)
	}
	if err := db.WithContext(quiet).Model(&Account{}).Where("role = ?", "admin").Count(&admins).Error; err != nil {
		t.Fatal(err)
	}
	return n, admins
}

func TestGormBenign(t *testing.T) {
	for _, gb := range gormBackends {
		t.Run(gb.name, func(t *testing.T) {
			t.Parallel()
			db := gb.open(t)
			a, logs := newAgent(rasp.ModeProtect)
			ctx := reqCtx(a, "name", "x' OR '1'='1")
			var got []Account
			// The hostile value is bound: gorm sends it as an argument.
			if err := db.WithContext(ctx).Where("name = ?", "x' OR '1'='1").Find(&got).Error; err != nil || len(got) != 0 {
				t.Fatalf("bound lookup: %v, %d rows", err, len(got))
			}
			ctx = reqCtx(a, "name", "bob")
			var bob Account
			if err := db.WithContext(ctx).Where(&Account{Name: "bob"}).First(&bob).Error; err != nil || bob.Score != 75 {
				t.Fatalf("First: %+v, %v", bob, err)
			}
			// Inlined inside a literal, as hand-written SQL often does.
			if err := db.WithContext(ctx).Where("name = 'bob'").Find(&got).Error; err != nil || len(got) != 1 {
				t.Fatalf("inlined literal: %v, %d rows", err, len(got))
			}
			ctx = reqCtx(a, "sort", "score")
			if err := db.WithContext(ctx).Order("score").Find(&got).Error; err != nil || len(got) != 3 || got[0].Name != "bob" {
				t.Fatalf("order: %v, %+v", err, got)
			}
			dave := Account{Name: "dave", Role: "user", Score: 50}
			if err := db.WithContext(reqCtx(a, "name", "dave")).Create(&dave).Error; err != nil || dave.ID == 0 {
				t.Fatalf("create: %+v, %v", dave, err)
			}
			if err := db.WithContext(ctx).Model(&dave).Update("score", 55).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return tx.Delete(&Account{}, dave.ID).Error
			}); err != nil {
				t.Fatal(err)
			}
			if s := logs.String(); strings.Contains(s, "sql_injection") {
				t.Fatalf("benign gorm traffic reported:\n%s", s)
			}
		})
	}
}

// gormAttacks are the ways gorm code concatenates input into SQL.
var gormAttacks = []struct {
	name, input string
	run         func(db *gorm.DB, in string) error
}{
	{"Where string", "nobody' OR '1'='1", func(db *gorm.DB, in string) error {
		var got []Account
		return db.Where("name = '" + in + "'").Find(&got).Error
	}},
	{"Raw", "0 OR 1=1", func(db *gorm.DB, in string) error {
		var got []Account
		return db.Raw("SELECT * FROM accounts WHERE id = " + in).Scan(&got).Error
	}},
	{"Order", "(CASE WHEN (SELECT count(*) FROM accounts) > 0 THEN name ELSE role END)", func(db *gorm.DB, in string) error {
		var got []Account
		return db.Order(in).Find(&got).Error
	}},
	{"Exec update", "1 OR 1=1", func(db *gorm.DB, in string) error {
		return db.Exec("UPDATE accounts SET role = 'admin' WHERE id = " + in).Error
	}},
	{"Delete where", "x' OR 'a'='a", func(db *gorm.DB, in string) error {
		return db.Where("name = '" + in + "'").Delete(&Account{}).Error
	}},
}

func TestGormAttacks(t *testing.T) {
	for _, gb := range gormBackends {
		for _, mode := range []rasp.Mode{rasp.ModeProtect, rasp.ModeMonitor} {
			t.Run(gb.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				db := gb.open(t)
				a, logs := newAgent(mode)
				for _, tc := range gormAttacks {
					t.Run(tc.name, func(t *testing.T) {
						before := strings.Count(logs.String(), `"kind":"sql_injection"`)
						err := tc.run(db.WithContext(reqCtx(a, "q", tc.input)), tc.input)
						if mode == rasp.ModeProtect {
							if !errors.Is(err, rasp.ErrBlocked) {
								t.Fatalf("err = %v, want blocked", err)
							}
							if n, admins := countAccounts(t, db); n != 3 || admins != 1 {
								t.Fatalf("accounts = %d, admins = %d after a blocked statement", n, admins)
							}
						} else if err != nil {
							t.Fatalf("monitor: %v", err)
						}
						if after := strings.Count(logs.String(), `"kind":"sql_injection"`); after != before+1 {
							t.Fatalf("%d events, want 1:\n%s", after-before, logs)
						}
					})
				}
			})
		}
	}
}
