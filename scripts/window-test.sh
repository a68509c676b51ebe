#!/usr/bin/env bash
# window-test.sh BINARY OUT.png: start the real GUI under Xvfb on a fresh
# HOME (so it uses the embedded default store there), screenshot the window,
# check the picture is not blank, quit it with SIGTERM, and check it exited
# cleanly and left its database behind.
set -uo pipefail
bin=$(realpath "$1"); out=$2
mkdir -p "$(dirname "$out")"
out=$(realpath "$out")
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
fail() { echo "window-test: $*" >&2; echo "window-test: 0 passed, 1 failed"; exit 1; }

HOME=$home LANG=${LANG:-en_US.UTF-8} xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$0" --addr 127.0.0.1:0 >"$1.log" 2>&1 & app=$!
  for i in $(seq 1 120); do xdotool search --name "^Skyport" >/dev/null 2>&1 && break; sleep 0.25; done
  xdotool search --name "^Skyport" >/dev/null 2>&1 || { echo "no window titled Skyport" >&2; kill -9 $app; exit 3; }
  sleep 2
  import -window root "$1" || { kill -9 $app; exit 4; }
  kill -TERM $app
  for i in $(seq 1 40); do kill -0 $app 2>/dev/null || break; sleep 0.25; done
  kill -0 $app 2>/dev/null && { echo "app did not exit after SIGTERM" >&2; kill -9 $app; exit 5; }
  wait $app' "$bin" "$out"
rc=$?
[ $rc -eq 0 ] || { cat "$out.log" >&2; fail "window run failed (status $rc)"; }
go run ./scripts/pngcheck "$out" || fail "screenshot $out is blank"
db="$home/.config/skyport/default.db"
[ -s "$db" ] || fail "no default store at $db after the run"
echo "window-test: screenshot kept at $out"
echo "window-test: 1 passed, 0 failed"
