#!/usr/bin/env bash
# package-test.sh PKG: check the desktop package that `make package` built.
# The archive must hold the binary, the icon, a valid .desktop entry and
# fyne's Makefile; the extracted binary must print FyneApp.toml's version;
# `make install` into a scratch DESTDIR must install a runnable binary, the
# icon and a launcher that points at it, and `make uninstall` must remove them.
set -uo pipefail
pkg=$1
cd "$(dirname "$0")/.."
field() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" FyneApp.toml | head -n1; }
version=$(field Version)
id=$(field ID)
name=$(field Name)

passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "package-test: FAIL: $what"
  fi
}
has() { grep -Eq "$1" <<<"$listing"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "$pkg exists" test -s "$pkg"
listing=$(tar -tJf "$pkg")
echo "package-test: $pkg ($(du -h "$pkg" | cut -f1)):"
sed 's/^/  /' <<<"$listing"
check "archive holds the binary" has '^skyport/usr/(local/)?bin/skyport$'
check "archive holds the icon" has "^skyport/usr/(local/)?share/pixmaps/$id\\.png\$"
check "archive holds the desktop entry" has "^skyport/usr/(local/)?share/applications/$id\\.desktop\$"
check "archive holds the install Makefile" has '^skyport/Makefile$'

tar -xJf "$pkg" -C "$tmp"
root=$tmp/skyport/usr
[ -d "$root/local" ] && root=$root/local
check "the binary is executable" test -x "$root/bin/skyport"
got=$("$root/bin/skyport" version 2>&1)
check "skyport version prints 'skyport $version' (got '$got')" test "$got" = "skyport $version"
check "the icon is assets/icon.png" cmp "$root/share/pixmaps/$id.png" assets/icon.png
desktop=$root/share/applications/$id.desktop
for line in "Name=$name" "Exec=skyport" "Icon=$id" "Type=Application" "Categories=Development;"; do
  check "desktop entry has $line" grep -qx "$line" "$desktop"
done
check "desktop-file-validate accepts the entry" desktop-file-validate "$desktop"

dest=$tmp/dest
home=$dest$HOME/.local
check "make install succeeds" ${MAKE:-make} --no-print-directory install DESTDIR="$dest"
got=$("$home/bin/skyport" version 2>&1)
check "installed skyport version prints 'skyport $version' (got '$got')" test "$got" = "skyport $version"
check "launcher runs the installed binary" grep -qx "Exec=$home/bin/skyport" "$home/share/applications/$id.desktop"
check "icon installed in the hicolor theme" cmp "$home/share/icons/hicolor/256x256/apps/$id.png" assets/icon.png
check "make uninstall succeeds" ${MAKE:-make} --no-print-directory uninstall DESTDIR="$dest"
left=$(find "$dest" -type f)
check "uninstall leaves no file behind (left: $left)" test -z "$left"

echo "package-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
