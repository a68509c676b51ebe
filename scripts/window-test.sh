#!/usr/bin/env bash
# window-test.sh BINARY OUT.png: start the real GUI under Xvfb on a fresh
# HOME (so it uses the embedded default store there), screenshot the window,
# check the picture is not blank; then create a state machine over the wire,
# open it from the resource tree and start an execution with the editor's
# button, as a person would, screenshot that (OUT-machine.png) and check
# through the Step Functions API that the execution is running; quit the app
# with SIGTERM, and check it exited cleanly and left its database behind.
set -uo pipefail
bin=$(realpath "$1"); out=$2
mkdir -p "$(dirname "$out")"
out=$(realpath "$out")
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
fail() { echo "window-test: $*" >&2; echo "window-test: 0 passed, 1 failed"; exit 1; }
port=$((20000 + RANDOM % 20000))

HOME=$home LANG=${LANG:-en_US.UTF-8} PORT=$port xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  set -u
  ep=http://127.0.0.1:$PORT
  sfn() { curl -s -X POST "$ep" -H "X-Amz-Target: AWSStepFunctions.$1" -H "Content-Type: application/x-amz-json-1.0" -d "$2"; }
  "$0" --addr 127.0.0.1:$PORT >"$1.log" 2>&1 & app=$!
  for i in $(seq 1 120); do xdotool search --name "^Skyport" >/dev/null 2>&1 && break; sleep 0.25; done
  xdotool search --name "^Skyport" >/dev/null 2>&1 || { echo "no window titled Skyport" >&2; kill -9 $app; exit 3; }
  sleep 2
  import -window root "$1" || { kill -9 $app; exit 4; }

  # A state machine that waits, so its execution is still running when shot.
  def="{\\\"StartAt\\\":\\\"Prepare\\\",\\\"States\\\":{\\\"Prepare\\\":{\\\"Type\\\":\\\"Pass\\\",\\\"Next\\\":\\\"Hold\\\"},\\\"Hold\\\":{\\\"Type\\\":\\\"Wait\\\",\\\"Seconds\\\":600,\\\"Next\\\":\\\"Done\\\"},\\\"Done\\\":{\\\"Type\\\":\\\"Succeed\\\"}}}"
  sfn CreateStateMachine "{\"name\":\"checkout\",\"roleArn\":\"arn:aws:iam::000000000000:role/sfn\",\"definition\":\"$def\"}" | grep -q stateMachineArn \
    || { echo "CreateStateMachine failed" >&2; kill -9 $app; exit 6; }
  sleep 1
  xdotool mousemove 93 288 click 1   # the tree leaf under "State machines"
  sleep 2
  xdotool mousemove 905 174 click 1  # the editor'\''s "Start execution"
  sleep 2
  import -window root "${1%.png}-machine.png" || { kill -9 $app; exit 4; }
  arn=arn:aws:states:us-east-1:000000000000:stateMachine:checkout
  sfn ListExecutions "{\"stateMachineArn\":\"$arn\",\"statusFilter\":\"RUNNING\"}" | grep -q executionArn \
    || { echo "no running execution after pressing Start execution" >&2; kill -9 $app; exit 7; }

  kill -TERM $app
  for i in $(seq 1 40); do kill -0 $app 2>/dev/null || break; sleep 0.25; done
  kill -0 $app 2>/dev/null && { echo "app did not exit after SIGTERM" >&2; kill -9 $app; exit 5; }
  wait $app' "$bin" "$out"
rc=$?
[ $rc -eq 0 ] || { cat "$out.log" >&2; fail "window run failed (status $rc)"; }
go run ./scripts/pngcheck "$out" || fail "screenshot $out is blank"
go run ./scripts/pngcheck "${out%.png}-machine.png" || fail "screenshot ${out%.png}-machine.png is blank"
db="$home/.config/skyport/default.db"
[ -s "$db" ] || fail "no default store at $db after the run"
echo "window-test: screenshots kept at $out and ${out%.png}-machine.png"
echo "window-test: 1 passed, 0 failed"
