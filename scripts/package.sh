#!/usr/bin/env bash
# package.sh FYNE OUT: build the Linux desktop package with the fyne tool
# FYNE and move it to OUT (a .tar.xz holding the binary, the icon, a .desktop
# entry and fyne's Makefile with install/user-install targets).
#
# fyne package builds the binary itself: --tags adds migrated_fynedo, and it
# takes -ldflags only from GOFLAGS (several -ldflags= entries are joined), so
# the version and build number from FyneApp.toml go in there the way the
# Makefile stamps them for `go build`. fyne also bumps Build in FyneApp.toml
# after packaging; the file is restored, so packaging leaves the tree as it
# was (the build number is raised by hand for a release).
set -euo pipefail
fyne=$1
out=$2
cd "$(dirname "$0")/.."

field() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" FyneApp.toml | head -n1; }
version=$(field Version)
build=$(field Build)
name=$(field Name)
[ -n "$version" ] && [ -n "$build" ] && [ -n "$name" ] || { echo "package: FyneApp.toml lacks Name, Version or Build" >&2; exit 1; }

pkg=github.com/skyport-dev/skyport/core
backup=$(mktemp)
cp -p FyneApp.toml "$backup"
restore() { cp -p "$backup" FyneApp.toml; rm -f "$backup"; } # -p: make sees no new input
trap restore EXIT

rm -f "$name.tar.xz"
GOFLAGS="$(go env GOFLAGS) -ldflags=-X=$pkg.Version=$version -ldflags=-X=$pkg.Build=$build" \
  "$fyne" package --os linux --release --tags migrated_fynedo --icon assets/icon.png ${FYNE_VERBOSE:+-v}
mkdir -p "$(dirname "$out")"
mv "$name.tar.xz" "$out"
echo "package: $out ($(du -h "$out" | cut -f1))"
