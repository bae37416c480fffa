# oktaflow — the one set of commands for building, running and testing.
# `make run` and `make test` are all a newcomer needs (see README.md).

GO      ?= go
BIN     ?= bin/oktaflow
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Until the TUI lands, `make run` starts the built-in Okta sandbox org.
ARGS    ?= sim
# Fuzz targets whose seed corpora run in `make test`; `make fuzz` explores each for FUZZTIME.
FUZZTIME ?= 30s

.PHONY: all run build test bench lint fuzz clean

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

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
