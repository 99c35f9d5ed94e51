# SpareLink developer entry points. `make demo` and `make test` are all a
# fresh machine with Go needs.

GO          ?= go
BIN         ?= bin
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
TEST_FLAGS  ?= -race -shuffle=on -count=1 -timeout=20m
FUZZTIME    ?= 10s
BENCHTIME   ?= 1s
DIST        ?= dist
VERSION     ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo dev)
# RELEASE_KEY is a minisign secret key file; unset, local builds sign
# with a throwaway key kept in bin/ and say so loudly.
RELEASE_KEY ?=

.PHONY: all build test demo bench lint fmt fuzz clean release packages

all: build

## build: compile every binary into ./bin
build:
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

## test: vet, then every unit and integration test with the race detector
test:
	$(GO) vet ./...
	$(GO) test $(TEST_FLAGS) ./...

## demo: run the whole market on this machine and print the statement
demo:
	$(GO) run ./cmd/sparelink demo

## bench: Go benchmarks, then the comparison table (bench-results.json):
## throughput against raw TCP and raw QUIC, metering on vs off, latency
## added by the exit; about a minute on two cores
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./metering/... ./client/... ./relay/... ./broker/...
	$(GO) run ./cmd/sparelink-bench --log-level warn --mib 32 --rounds 5 --out bench-results.json

## lint: formatting, vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fmt: format every Go file
fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## release: cross-compiled static binaries for every target into DIST,
## with SHA256SUMS signed by RELEASE_KEY (minisign format)
release:
	rm -rf $(DIST)
	RELEASE_KEY="$(RELEASE_KEY)" $(GO) run ./installer/cmd/release --out $(DIST) --version $(VERSION)

## packages: release, then .deb, .rpm, .apk and .ipk of the agent and the
## relay into DIST, the router sizes, and SHA256SUMS signed again
packages: release
	RELEASE_KEY="$(RELEASE_KEY)" $(GO) run ./installer/cmd/packages --dist $(DIST) --version $(VERSION)

clean:
	rm -rf $(BIN) bench-results.json
