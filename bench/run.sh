#!/bin/sh
# Regenerates bench/README.md's results section, overhead.svg and
# disagreements.tsv from one run: the overhead benchmarks (guarded and
# unguarded calls in the same run, compared with benchstat -col /guard),
# then the detection comparison with libddwaf on the shared corpora.
#
#   ./run.sh                     # about 2 minutes on 2 idle cores, 4 to 9 under load
#   COUNT=10 BENCHTIME=1s ./run.sh
#   RASP_CORPORA=/path/to/corpora SAMPLE=0 ./run.sh   # every payload
#
# The previous out/bench.txt is kept as out/bench.old.txt and compared in
# out/regression.txt, only to spot regressions: every ratio in the README
# comes from a single run.
set -eu
cd "$(dirname "$0")"

COUNT=${COUNT:-6}          # samples per benchmark: 6 gives benchstat its 95% intervals
BENCHTIME=${BENCHTIME:-0.3s}
SAMPLE=${SAMPLE:-2000}     # payloads kept per payload list
REPS=${REPS:-5}            # repetitions per timed check, best of 3 rounds
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

BENCHSTAT=$(go env GOPATH)/bin/benchstat
if [ ! -x "$BENCHSTAT" ]; then
	go install golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION
fi

mkdir -p out
if [ -f out/bench.txt ]; then
	mv out/bench.txt out/bench.old.txt
fi
echo "bench: running the overhead benchmarks (-count=$COUNT -benchtime=$BENCHTIME) into out/bench.txt"
if ! go test -run='^$' -bench=. -benchmem -count="$COUNT" -benchtime="$BENCHTIME" -timeout=30m . >out/bench.txt 2>&1; then
	tail -n 30 out/bench.txt
	exit 1
fi
{
	"$BENCHSTAT" -filter '-.name:Check' -col /guard out/bench.txt
	echo
	"$BENCHSTAT" -filter '.name:Check' -col /guard out/bench.txt
} >out/benchstat.txt
"$BENCHSTAT" -format csv -filter '-.name:Check' -col /guard out/bench.txt >out/benchstat.csv 2>/dev/null
if [ -f out/bench.old.txt ]; then
	"$BENCHSTAT" out/bench.old.txt out/bench.txt >out/regression.txt || true
fi
echo "bench: comparing rasp and libddwaf on the corpora"
go run ./cmd/benchreport -bench out/bench.txt -benchstat out/benchstat.txt -benchstat-csv out/benchstat.csv -sample "$SAMPLE" -reps "$REPS" \
	-readme README.md -svg overhead.svg -disagreements disagreements.tsv
