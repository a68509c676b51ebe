# Skyport build. `make run` and `make test` install what they need (Debian
# packages for Fyne's cgo build, Xvfb for the window test) idempotently.
SHELL   := /bin/bash
GO      ?= go
TAGS    := migrated_fynedo
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X github.com/skyport-dev/skyport/core.Version=$(VERSION)
BUILD   := build
BIN     := $(BUILD)/skyport
export LANG ?= en_US.UTF-8

APT_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev
APT_TEST  := xvfb xauth xdotool x11-apps imagemagick curl

.PHONY: run test build deps deps-test vet unit race window-test bench soak clean

run: build
	./$(BIN)

build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .

deps:
	@scripts/apt-ensure.sh $(APT_BUILD)

deps-test: deps
	@scripts/apt-ensure.sh $(APT_TEST)

# All tests: vet and format, unit and integration tests, the core under the
# race detector, and the real window under Xvfb (screenshot in build/).
test: deps-test vet unit race window-test

vet:
	$(GO) vet -tags $(TAGS) ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

unit:
	$(GO) test -tags $(TAGS) -count=1 ./...

race:
	$(GO) test -race -count=1 ./core/...

window-test: build
	scripts/window-test.sh $(BIN) $(BUILD)/window.png

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./core/...

# Soak: mixed load through the AWS SDK (SQS, SNS fan-out, Kinesis, Step
# Functions) against a `skyport serve` child that is SIGKILLed and restarted
# during the run, then a ledger check per service (nothing acknowledged lost,
# no duplicate where AWS promises none), ops/s per service, peak RSS and the
# database size before and after retention.
# `make unit` runs the same test for 60 s; this runs it for SOAK_DURATION.
SOAK_DURATION ?= 10m
soak:
	$(GO) test -count=1 -v -timeout 0 -run '^TestSoak$$' ./soak/ -soak.duration=$(SOAK_DURATION)

clean:
	rm -rf $(BUILD)
