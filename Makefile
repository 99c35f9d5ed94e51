# SpareLink developer entry points. `make demo` and `make test` are all a
# fresh machine with Go needs.

GO          ?= go
BIN         ?= bin
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC       ?= github.com/securego/gosec/v2/cmd/gosec@v2.30.0
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0
# GOSEC_EXCLUDE lists the gosec rules the project does not enforce; each
# is justified in docs/threat-model.md ("Static analysis"). Other findings
# are fixed or carry a #nosec comment with the reason.
GOSEC_EXCLUDE ?= G104,G115,G204,G301,G304,G306,G404,G703,G706
# Test helper packages (test servers and doubles that only tests import)
# are not scanned.
GOSEC_SKIP_DIRS ?= agent/reach/reachtest broker/apitest client/exitdial/exitdialtest internal/nattest \
	internal/nodetest relay/egress/egresstest relay/punch/punchtest relay/quicexit/quicexittest relay/wgexit/wgtest
# FUZZSMOKE counts executions rather than seconds: a wall-clock -fuzztime
# can end in a spurious "context deadline exceeded" from the Go 1.26
# fuzzing coordinator, with no failing input.
FUZZSMOKE   ?= 2000x
SOAK_TIMEOUT ?= 4h
TEST_FLAGS  ?= -race -shuffle=on -count=1 -timeout=20m
FUZZTIME    ?= 10s
BENCHTIME   ?= 1s
DIST        ?= dist
VERSION     ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo dev)
# RELEASE_KEY is a minisign secret key file; unset, local builds sign
# with a throwaway key kept in bin/ and say so loudly.
RELEASE_KEY ?=

.PHONY: all build test demo bench lint fmt fuzz clean release packages
.PHONY: soak fuzz-smoke vulncheck

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
	$(GO) run $(GOSEC) -quiet -exclude=$(GOSEC_EXCLUDE) $(foreach d,$(GOSEC_SKIP_DIRS),-exclude-dir=$(d)) ./...

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

## fuzz-smoke: every FuzzXxx target of the repository for FUZZSMOKE each
## (2000 executions): a quick check that no seed corpus or fresh input
## crashes a parser
fuzz-smoke:
	@set -e; for dir in $$(git grep -l '^func Fuzz' -- '*_test.go' | xargs -n1 dirname | sort -u); do \
	  list=$$($(GO) test -list 'Fuzz.*' ./$$dir 2>&1) || { echo "$$list"; exit 1; }; \
	  for t in $$(echo "$$list" | grep '^Fuzz'); do \
	    echo "fuzz-smoke ./$$dir $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZSMOKE) ./$$dir; \
	  done; \
	done

## soak: the long forms of the reliability suites (SPARELINK_SOAK=1):
## hundreds of broker kills per store engine, long simulations over many
## seeds, the exits' load and flood tests at full size; hours, not minutes
soak:
	SPARELINK_SOAK=1 $(GO) test -race -count=1 -timeout $(SOAK_TIMEOUT) -v \
	  -run 'Crash|Sim|Replay|Soak|Flood|Replica' ./internal/crashtest/ ./internal/sim/ ./relay/quicexit/ ./relay/wgexit/ ./internal/bench/

## vulncheck: known vulnerabilities in the modules and the standard
## library the binaries reach; a release step (docs/threat-model.md), not CI
vulncheck:
	$(GO) run $(GOVULNCHECK) ./...

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
