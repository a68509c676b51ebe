#!/usr/bin/env bash
# window-test.sh BINARY OUT.png: start the real GUI under Xvfb on a fresh
# HOME (so it uses the embedded default store there) with the demo
# workspace and its traffic, screenshot the window; find a queue with
# Ctrl+F, screenshot its inspector (OUT-queue.png) and have the window dump
# what it shows (--state-dump, on SIGUSR1): scripts/statecheck checks that
# every resource of the demo is a node, its links are edges, sparklines and
# the queue's charts drew the traffic. Then create a state machine over the
# wire, find it (its editor opens) and start an execution with the editor's
# button, as a person would, screenshot that (OUT-machine.png) and check
# through the Step Functions API that the execution is running. No
# screenshot may be blank. Quit the app with SIGTERM, and check it exited
# cleanly and left its database behind.
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
  "$0" --addr 127.0.0.1:$PORT --demo --state-dump "$2" >"$1.log" 2>&1 & app=$!
  for i in $(seq 1 120); do xdotool search --name "^Skyport" >/dev/null 2>&1 && break; sleep 0.25; done
  xdotool search --name "^Skyport" >/dev/null 2>&1 || { echo "no window titled Skyport" >&2; kill -9 $app; exit 3; }
  sleep 4 # the demo traffic flows
  import -window root "$1" || { kill -9 $app; exit 4; }

  # Find a queue with Ctrl+F, as a person would: it is selected and its
  # inspector charts the traffic; then the window dumps what it shows.
  findres() { xdotool key ctrl+f; sleep 0.5; xdotool type "$1"; xdotool key Return; }
  findres orders-standard
  sleep 2.5
  kill -USR1 $app
  for i in $(seq 1 20); do [ -s "$2" ] && break; sleep 0.25; done
  import -window root "${1%.png}-queue.png" || { kill -9 $app; exit 4; }

  # A state machine that waits, so its execution is still running when shot.
  def="{\\\"StartAt\\\":\\\"Prepare\\\",\\\"States\\\":{\\\"Prepare\\\":{\\\"Type\\\":\\\"Pass\\\",\\\"Next\\\":\\\"Hold\\\"},\\\"Hold\\\":{\\\"Type\\\":\\\"Wait\\\",\\\"Seconds\\\":600,\\\"Next\\\":\\\"Done\\\"},\\\"Done\\\":{\\\"Type\\\":\\\"Succeed\\\"}}}"
  sfn CreateStateMachine "{\"name\":\"checkout\",\"roleArn\":\"arn:aws:iam::000000000000:role/sfn\",\"definition\":\"$def\"}" | grep -q stateMachineArn \
    || { echo "CreateStateMachine failed" >&2; kill -9 $app; exit 6; }
  sleep 1
  findres checkout                      # selects it: its editor opens
  sleep 2
  xdotool mousemove 905 174 click 1  # the editor'\''s "Start execution"
  sleep 2
  import -window root "${1%.png}-machine.png" || { kill -9 $app; exit 4; }
  arn=arn:aws:states:us-east-1:000000000000:stateMachine:checkout
  sfn ListExecutions "{\"stateMachineArn\":\"$arn\",\"statusFilter\":\"RUNNING\"}" | grep -q executionArn \
    || { echo "no running execution after pressing Start execution" >&2; kill -9 $app; exit 7; }

  kill -TERM $app
  for i in $(seq 1 80); do kill -0 $app 2>/dev/null || break; sleep 0.25; done
  # Hung: SIGQUIT makes Go print every goroutine into the log shown below.
  kill -0 $app 2>/dev/null && { echo "app did not exit after SIGTERM" >&2; kill -QUIT $app; sleep 1; kill -9 $app; exit 5; }
  wait $app' "$bin" "$out" "$home/state.json"
rc=$?
[ $rc -eq 0 ] || { cat "$out.log" >&2; fail "window run failed (status $rc)"; }
for shot in "$out" "${out%.png}-queue.png" "${out%.png}-machine.png"; do
  go run ./scripts/pngcheck "$shot" || fail "screenshot $shot is blank"
done
cp "$home/state.json" "${out%.png}-state.json"
go run ./scripts/statecheck -selected queue/orders-standard "$home/state.json" || fail "the window does not show the demo (state dump ${out%.png}-state.json)"
db="$home/.config/skyport/default.db"
[ -s "$db" ] || fail "no default store at $db after the run"
echo "window-test: screenshots kept at $out, ${out%.png}-queue.png and ${out%.png}-machine.png"
echo "window-test: 1 passed, 0 failed"
