package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// vendorFlags returns the GOFLAGS value under which the packages load from
// the vendor directory of an old module, and whether that differs from the
// environment. The go command uses a module's vendor directory by default
// only when its go line says 1.14 or later; below that, loading looks the
// modules up and fails offline or without a go.sum, although the vendor
// directory holds everything `go build -mod=vendor` (what such modules were
// written for) needs. An explicit -mod in GOFLAGS, or a workspace, is left
// alone.
func vendorFlags() (string, bool) {
	env, err := goJSON("env", "-json", "GOMOD", "GOWORK", "GOFLAGS")
	if err != nil {
		return "", false
	}
	gomod, flags := env["GOMOD"], env["GOFLAGS"]
	if gomod == "" || gomod == os.DevNull || (env["GOWORK"] != "" && env["GOWORK"] != "off") ||
		strings.Contains(flags, "-mod=") {
		return "", false
	}
	//raspvet:ignore the path is the go command's answer for the module in the working directory
	if _, err := os.Stat(filepath.Join(filepath.Dir(gomod), "vendor", "modules.txt")); err != nil {
		return "", false
	}
	//raspvet:ignore a command-line tool asking the go command about the module it checks
	cmd := exec.Command("go", "mod", "edit", "-json", gomod)
	out, err := cmd.Output()
	if err != nil {
		return "", false
	}
	var mod struct{ Go string }
	if json.Unmarshal(out, &mod) != nil || !goBefore(mod.Go, 1, 14) {
		return "", false
	}
	return strings.TrimSpace(flags + " -mod=vendor"), true
}

// goBefore reports whether the go line v names a version before
// major.minor. The go command does not use the vendor directory of a module
// without a go line either (cmd/go/internal/modload/init.go), so "" counts
// as old.
func goBefore(v string, major, minor int) bool {
	if v == "" {
		return true
	}
	parts := strings.SplitN(v, ".", 3)
	ma, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	mi := 0
	if len(parts) > 1 {
		if mi, err = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })); err != nil {
			return false
		}
	}
	return ma < major || ma == major && mi < minor
}

func goJSON(args ...string) (map[string]string, error) {
	//raspvet:ignore a command-line tool asking the go command; args are this file's constants
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	return m, json.Unmarshal(out, &m)
}
