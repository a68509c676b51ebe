#!/usr/bin/env bash
# guiload.sh MODE BINARY OUTDIR [MINUTES] [CLIENTS]: issue #8's "memory after
# 10 minutes of load" run, for the desktop app (MODE=gui, the real window
# under Xvfb) or the headless core (MODE=serve) with the same resources and
# load, so the two can be compared on one machine.
#
# It starts BINARY on a fresh HOME (the default on-disk store) with --pprof,
# creates 150 queues and 50 topics with 300 SQS subscriptions over the query
# protocol, then runs `BINARY bench --scenarios publish-fanout --fanout 4
# --clients CLIENTS` against it for MINUTES (default 10, clients 4). Every
# minute it records the process's RSS and a heap profile; at the end it
# prints the RSS series, the bench result and the load average.
#
# Output in OUTDIR: rss.tsv (minute, RSS, Go live heap after GC, Go runtime
# total, C heap, all MiB; load average), heap-MIN.pb.gz (minute 0 is before
# the load), bench.json, app.log, and for the GUI a screenshot at the end
# of the load (window.png, with ImageMagick's import). Compare two heaps with
#   go tool pprof -top -sample_index=inuse_space -diff_base OUTDIR/heap-1.pb.gz OUTDIR/heap-3.pb.gz
# Long-running and machine-dependent: a measurement, not part of the tests.
set -uo pipefail
[ "${1:-}" = __run ] && { shift; GUILOAD_INNER=1; }
mode=${1:?MODE gui|serve}; bin=$(realpath "${2:?BINARY}"); out=${3:?OUTDIR}
minutes=${4:-10}; clients=${5:-4}
case $mode in gui | serve) ;; *) echo "guiload: MODE is gui or serve" >&2; exit 2 ;; esac
for t in curl xvfb-run xdotool; do
	command -v $t >/dev/null || { echo "guiload: missing $t (apt-get install -y curl xvfb xauth xdotool)" >&2; exit 2; }
done
mkdir -p "$out" && out=$(realpath "$out")

run() {
	ep=http://127.0.0.1:$PORT pp=http://127.0.0.1:$PPORT/debug/pprof
	q() { curl -sf -X POST "$ep" -d "$1" >/dev/null || echo "guiload: request failed: $1" >&2; }
	if [ "$MODE" = gui ]; then
		"$BIN" --addr 127.0.0.1:$PORT --pprof 127.0.0.1:$PPORT >"$OUT/app.log" 2>&1 &
	else
		"$BIN" serve --addr 127.0.0.1:$PORT --pprof 127.0.0.1:$PPORT >"$OUT/app.log" 2>&1 &
	fi
	app=$!
	for i in $(seq 1 120); do curl -sf "$ep/health" >/dev/null && break; sleep 0.25; done
	if [ "$MODE" = gui ]; then
		for i in $(seq 1 120); do xdotool search --name "^Skyport" >/dev/null 2>&1 && break; sleep 0.25; done
		xdotool search --name "^Skyport" >/dev/null 2>&1 || { echo "guiload: no window" >&2; kill -9 $app; exit 3; }
	fi
	for i in $(seq 0 149); do q "Action=CreateQueue&QueueName=load-q$i"; done
	for t in $(seq 0 49); do
		q "Action=CreateTopic&Name=load-t$t"
		for s in $(seq 0 5); do
			n=$(((t * 6 + s) % 150))
			q "Action=Subscribe&TopicArn=arn:aws:sns:us-east-1:000000000000:load-t$t&Protocol=sqs&Endpoint=arn:aws:sqs:us-east-1:000000000000:load-q$n"
		done
	done
	sleep 5
	rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' /proc/$app/status; }
	# The C heap ([heap]: glibc malloc, i.e. GLFW, Mesa and X under the GUI) and
	# the Go runtime's own view (after a forced GC) tell the two apart.
	cheap() { awk '/\[heap\]/ {h=1; next} /^[0-9a-f]+-/ {h=0} h && /^Rss:/ {printf "%.0f", $2/1024}' /proc/$app/smaps; }
	gostat() { curl -sf "$pp/heap?debug=1" | awk -v k="# $1 = " 'index($0, k) == 1 {printf "%.0f", substr($0, length(k)+1)/1048576}'; }
	sample() {
		curl -sf -o "$OUT/heap-$1.pb.gz" "$pp/heap?gc=1"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(rss)" "$(gostat HeapAlloc)" "$(gostat Sys)" "$(cheap)" \
			"$(cut -d" " -f1-3 /proc/loadavg)" | tee -a "$OUT/rss.tsv"
	}
	printf 'minute\trss_mib\tgo_live_mib\tgo_sys_mib\tc_heap_mib\tloadavg\n' | tee "$OUT/rss.tsv"
	sample 0
	"$BIN" bench --endpoint "$ep" --scenarios publish-fanout --fanout 4 --clients "$CLIENTS" \
		--duration "$((MINUTES * 60))s" --json >"$OUT/bench.json" 2>"$OUT/bench.log" &
	load=$!
	for m in $(seq 1 "$MINUTES"); do
		sleep 60
		sample "$m"
	done
	[ "$MODE" = gui ] && command -v import >/dev/null && import -window root "$OUT/window.png"
	wait $load
	kill -TERM $app
	for i in $(seq 1 60); do kill -0 $app 2>/dev/null || break; sleep 0.5; done
	kill -0 $app 2>/dev/null && { echo "guiload: app did not exit after SIGTERM" >&2; kill -9 $app; }
	wait $app
}
if [ -n "${GUILOAD_INNER:-}" ]; then # inside xvfb-run (gui) or directly (serve)
	run
	exit
fi
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home LANG=${LANG:-en_US.UTF-8} BIN=$bin OUT=$out MINUTES=$minutes CLIENTS=$clients MODE=$mode
export PORT=$((20000 + RANDOM % 20000)) PPORT=$((40000 + RANDOM % 20000))
rm -f "$out"/heap-*.pb.gz "$out/rss.tsv"
if [ "$mode" = gui ]; then
	xvfb-run -a -s "-screen 0 1280x800x24" "$0" __run "$@"
else
	"$0" __run "$@"
fi
echo "guiload: $mode, $minutes min, $clients clients"
cat "$out/bench.json"
echo
