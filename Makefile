# Skyport build. `make run` and `make test` install what they need (Debian
# packages for Fyne's cgo build, Xvfb for the window test) idempotently.
SHELL   := /bin/bash
GO      ?= go
TAGS    := migrated_fynedo
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILDNO := $(shell sed -n 's/^Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
APP_ID  := $(shell sed -n 's/^ID *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X github.com/skyport-dev/skyport/core.Version=$(VERSION) \
           -X github.com/skyport-dev/skyport/core.Build=$(BUILDNO)
BUILD   := build
BIN     := $(BUILD)/skyport
# The desktop package: fyne's tool (a Go module, installed into build/) builds
# it; its inputs are the Go sources, FyneApp.toml and the icon.
FYNE_TOOLS := v1.7.4
FYNE    := $(BUILD)/fyne-$(FYNE_TOOLS)/fyne
PKG     := $(BUILD)/skyport-$(VERSION)-linux-$(shell $(GO) env GOARCH).tar.xz
PKG_SRC := $(shell find . -path ./build -prune -o \( -name '*.go' -not -name '*_test.go' -o -name go.mod -o -name go.sum \) -print) \
           FyneApp.toml assets/icon.png
# Where `make install` puts the package for the current user (fyne's
# user-install layout, plus the icon in the hicolor theme).
USER_PREFIX := $(DESTDIR)$(HOME)/.local
export LANG ?= en_US.UTF-8

APT_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev
APT_TEST  := xvfb xauth xdotool x11-apps imagemagick curl
APT_PKG   := xz-utils desktop-file-utils

.PHONY: run test build deps deps-test deps-package vet unit race window-test bench soak clean \
        package package-test install uninstall

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
test: deps-test vet unit race package-test window-test

vet:
	$(GO) vet -tags $(TAGS) ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

unit:
	$(GO) test -tags $(TAGS) -count=1 ./...

race:
	$(GO) test -race -count=1 ./core/...

# Desktop package: build/skyport-VERSION-linux-ARCH.tar.xz with the binary
# (release build, -tags migrated_fynedo, version and build number stamped),
# the icon, a .desktop entry and fyne's Makefile (install, user-install).
package: $(PKG)

$(PKG): $(FYNE) $(PKG_SRC) | deps deps-package
	scripts/package.sh $(FYNE) $@

$(FYNE):
	GOBIN=$(abspath $(dir $(FYNE))) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS)

deps-package:
	@scripts/apt-ensure.sh $(APT_PKG)

# Checks the archive's contents, the packaged binary's version and
# install/uninstall into a scratch DESTDIR.
package-test: package deps-package
	scripts/package-test.sh $(PKG)

# Installs the package for the current user, no root needed: the binary in
# ~/.local/bin, the launcher in ~/.local/share/applications, the icon in
# ~/.local/share/icons. DESTDIR=dir installs under dir instead.
install: $(PKG) | deps-package
	rm -rf $(BUILD)/pkg && mkdir -p $(BUILD)/pkg
	tar -xJf $(PKG) -C $(BUILD)/pkg
	$(MAKE) --no-print-directory -C $(BUILD)/pkg/skyport user-install
	install -Dm00644 $(USER_PREFIX)/share/icons/$(APP_ID).png \
	  $(USER_PREFIX)/share/icons/hicolor/256x256/apps/$(APP_ID).png
	@echo "installed $(USER_PREFIX)/bin/skyport $(VERSION) and the Skyport launcher"
	@case ":$$PATH:" in *":$(HOME)/.local/bin:"*) ;; *) echo "note: add ~/.local/bin to PATH to run skyport from a shell";; esac

uninstall:
	rm -f $(USER_PREFIX)/bin/skyport $(USER_PREFIX)/share/applications/$(APP_ID).desktop \
	  $(USER_PREFIX)/share/icons/$(APP_ID).png $(USER_PREFIX)/share/icons/hicolor/256x256/apps/$(APP_ID).png

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
