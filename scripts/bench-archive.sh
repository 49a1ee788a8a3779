#!/usr/bin/env bash
# Wall-clock medians of `academy archive verify` against `openssl dgst -sha256`
# of the same file, measured in one run with hyperfine, and academy's peak
# resident memory. Issue 3's targets: 4 layers ≤ 0.75 × openssl, 1 layer
# ≤ 1.1 × openssl, peak RSS ≤ 64 MiB.
#
#   scripts/bench-archive.sh [RUNS]      (default 15 runs each)
#   BENCH_4G=1 scripts/bench-archive.sh  also a 4 GiB archive (8 × 512 MiB), for memory
#
# It builds FROM scratch images of random files made here (nothing is
# pulled), saves them with the local daemon, and removes the images and
# files it made when it ends. Nothing of the user's is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
docker version >/dev/null

work=$(mktemp -d)
pfx=academy-bench-$$
cleanup() {
	docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -F "$pfx/" | xargs -r docker rmi -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/academy" ./cmd/academy

# image NAME LAYERS MIB: a FROM scratch image of LAYERS random files of MIB each.
image() {
	local ctx="$work/ctx-$1"
	mkdir -p "$ctx"
	printf 'FROM scratch\n' >"$ctx/Dockerfile"
	for i in $(seq "$2"); do
		head -c "$(($3 << 20))" /dev/urandom >"$ctx/l$i"
		printf 'COPY l%s /l%s\n' "$i" "$i" >>"$ctx/Dockerfile"
	done
	DOCKER_BUILDKIT=0 docker build -q -t "$pfx/$1:v1" "$ctx" >/dev/null 2>&1
	rm -rf "$ctx"
	docker save -o "$work/$1.tar" "$pfx/$1:v1"
	docker rmi -f "$pfx/$1:v1" >/dev/null
}

# measure NAME: hyperfine medians and academy's peak RSS on $work/NAME.tar.
measure() {
	local f="$work/$1.tar"
	"$work/academy" archive verify "$f" >/dev/null || { echo "bench-archive: $1.tar does not verify" >&2; "$work/academy" archive verify "$f"; exit 1; }
	hyperfine -N -w 2 -r "$runs" --export-csv "$work/$1.csv" \
		-n openssl "openssl dgst -sha256 $f" \
		-n academy "$work/academy archive verify $f" >/dev/null
	local rss=0
	for _ in 1 2 3; do
		/usr/bin/time -o "$work/time" -f '%M' "$work/academy" archive verify "$f" >/dev/null
		rss=$(( $(cat "$work/time") > rss ? $(cat "$work/time") : rss ))
	done
	awk -F, -v name="$1" -v size="$(stat -c %s "$f")" -v rss="$rss" '
		$1 == "openssl" { o = $4 } $1 == "academy" { a = $4 }
		END { printf "%-12s %6.0f MiB  openssl %.3f s  academy %.3f s  ratio %.2f  peak RSS %.1f MiB\n", name, size/1048576, o, a, a/o, rss/1024 }' "$work/$1.csv"
}

echo "building and saving the images (random data, FROM scratch)..." >&2
image four 4 128
image one 1 512
echo "archive        size    medians of $runs runs (hyperfine), academy peak RSS of 3 runs"
measure four
rm -f "$work/four.tar"
measure one
rm -f "$work/one.tar"
if [ "${BENCH_4G:-}" = 1 ]; then
	image big 8 512
	measure big
fi
