# rasp: `make demo` shows it working, `make test` is what CI runs.
SHELL := /bin/bash
MODULES := . pgxguard promrasp otelrasp grpcguard ginguard echoguard examples integration bench gocompat
# The oldest Go release rasp supports (the root module's go line); `make test`
# also runs the root module and gocompat under it. The go command fetches that
# toolchain through the module proxy.
GO_OLDEST ?= go1.25.9
# The modules an application imports (their go line must stay at the oldest
# supported release), and gocompat, an application module on that release.
OLDEST_MODULES := . pgxguard promrasp otelrasp grpcguard ginguard echoguard gocompat
TOOLS := $(CURDIR)/.tools/bin
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
CORPORA ?= $(CURDIR)/../shared/corpora
FUZZTIME ?= 10s
export PATH := $(TOOLS):$(PATH)

.PHONY: modules all demo test lint raspvet fmt-check vet staticcheck gotest gotest-oldest tools bench fuzz eval services-start services-stop

all: test

## demo: start the demo twice on free 127.0.0.1 ports (rasp off, protect), send every request to both, print them side by side
demo:
	cd examples && go run ./demo -tour

## test: gofmt, go vet, staticcheck and go test -race in every module (database servers started for the run)
test: lint
	./scripts/with-services.sh $(MAKE) --no-print-directory gotest gotest-oldest

## modules: print the modules (each folder with a go.mod that make test covers)
modules:
	@echo $(MODULES)

# Modules talk to servers started for the run: -count=1 everywhere, so a
# cached pass never stands for a run against them.
gotest:
	@set -e; for m in $(MODULES); do \
		echo "== go test -race ($$m)"; \
		(cd $$m && go test -race -count=1 -timeout 20m ./...); \
	done

## gotest-oldest: the modules applications import, and gocompat, under the oldest supported Go
gotest-oldest:
	@set -e; for m in $(OLDEST_MODULES); do \
		echo "== go test ($$m, $(GO_OLDEST))"; \
		(cd $$m && GOTOOLCHAIN=$(GO_OLDEST) go version && GOTOOLCHAIN=$(GO_OLDEST) go test -count=1 -timeout 20m ./...); \
	done

lint: fmt-check vet staticcheck raspvet

## raspvet: the repo's own analyzer; non-test code outside the guard packages must run clean
raspvet:
	go build -o $(TOOLS)/raspvet ./cmd/raspvet
	$(TOOLS)/raspvet -everything -test=false ./...
	cd examples && go vet -vettool=$(TOOLS)/raspvet -everything ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '/testdata/')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "== go vet ($$m)"; (cd $$m && go vet ./...); done

staticcheck: tools
	@set -e; for m in $(MODULES); do echo "== staticcheck ($$m)"; (cd $$m && staticcheck ./...); done

tools: $(TOOLS)/staticcheck $(TOOLS)/benchstat

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/benchstat:
	GOBIN=$(TOOLS) go install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

## bench: overhead ratios (benchstat) and detection side by side with libddwaf
bench: tools
	cd bench && ./run.sh

## fuzz: every Fuzz target for FUZZTIME (default 10s) each
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

## eval: detection and false-positive rates of sqlguard on ../shared/corpora
eval:
	go run ./internal/eval -corpora $(CORPORA)

services-start:
	./scripts/services.sh start

services-stop:
	./scripts/services.sh stop
