#!/usr/bin/env bash
# Benchmarks the daily-summary builder: the impersonation aggregation over every row of the
# sandbox at --scale 100000 (its 30 days), through the real client, page size 500.
# Usage: bash benches/summary.sh [--runs N] [--scale N]
# Builds the release binary and the bench, starts the sandbox once on a loopback port the OS
# picks (bounded wait for its first line), runs the bench N times (default 5) as fresh processes,
# each printing rows, seconds, rows/s and its own peak RSS (VmHWM), and stops the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
scale=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=${2:?--runs needs a value}; shift 2 ;;
        --scale) scale=${2:?--scale needs a value}; shift 2 ;;
        *) echo "usage: bash benches/summary.sh [--runs N] [--scale N]" >&2; exit 2 ;;
    esac
done
case "$runs$scale" in *[!0-9]*) echo "--runs and --scale must be numbers" >&2; exit 2 ;; esac

cargo build --release --locked
cargo bench --locked --bench summary --no-run
# The bench executable (cargo prints its path as "Executable ... (target/release/deps/summary-…)").
bench=$(cargo bench --locked --bench summary --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
[ -x "$bench" ] || { echo "cannot find the bench executable" >&2; exit 1; }

tmp=$(mktemp -d)
sandbox_pid=
cleanup() {
    if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill -INT "$sandbox_pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$sandbox_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkfifo "$tmp/out"
target/release/mimecast-bot sandbox --listen 127.0.0.1:0 --scale "$scale" \
    >"$tmp/out" 2>"$tmp/sandbox.err" </dev/null &
sandbox_pid=$!
exec 3<"$tmp/out"
if ! IFS= read -r -t 30 line <&3; then
    echo "the sandbox printed no address within 30 s" >&2
    cat "$tmp/sandbox.err" >&2
    exit 1
fi
# Drain the rest (the banner) so the sandbox never blocks on a full pipe.
cat <&3 >/dev/null &
exec 3<&-
case "$line" in
    "sandbox listening on http://127.0.0.1:"*) url=${line#sandbox listening on } ;;
    *) echo "unexpected first line from the sandbox: $line" >&2; exit 1 ;;
esac

echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "sandbox: $url (--scale $scale); $runs runs, each a fresh bench process"
for i in $(seq 1 "$runs"); do
    printf 'run %s: ' "$i"
    "$bench" --url "$url" --scale "$scale"
done
