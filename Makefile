# oktaflow — the one set of commands for building, running and testing.
# `make run` and `make test` are all a newcomer needs (see README.md).

GO      ?= go
BIN     ?= bin/oktaflow
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Arguments for `make run` (none: the app).
ARGS    ?=
# Fuzz targets whose seed corpora run in `make test`; `make fuzz` explores each for FUZZTIME.
FUZZTIME ?= 30s

.PHONY: all run build test bench lint fuzz demo clean sdkpeer test-sdkpeer

all: lint test build

run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/oktaflow $(ARGS)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/oktaflow

# The race detector needs cgo; the seed corpora of every fuzz target run as tests.
test:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 10m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 20m ./...

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@if command -v vhs >/dev/null 2>&1; then vhs validate demo.tape; else echo "vhs not installed: demo.tape not validated"; fi

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Renders demo.gif from demo.tape where vhs, ttyd and ffmpeg are installed.
demo:
	@for tool in vhs ttyd ffmpeg; do command -v $$tool >/dev/null 2>&1 || { echo "make demo needs $$tool"; exit 1; }; done
	vhs demo.tape

# The Okta SDK peer of the engine benchmarks: a module of its own
# (okta/sdkpeer/go.mod), so the main module and `make test` never build the
# SDK; only what uses it does.
sdkpeer:
	cd okta/sdkpeer && $(GO) build -o ../../bin/sdkpeer .

test-sdkpeer:
	cd okta/sdkpeer && $(GO) vet . && $(GO) test -count=1 .

clean:
	rm -rf bin
