#!/usr/bin/env bash
# Whole-process median of `academy check zone7` (every objective passing,
# a small archive) against `docker version` (one API call of the official
# CLI), measured in the same run with hyperfine. Also shown: a shell verify
# script doing the same checks with the docker CLI.
#
#   scripts/bench-check.sh [RUNS]        (default 40 runs each)
#   BENCH_ENGINES=1 scripts/bench-check.sh [RUNS]
#                                        also on Docker 29 (both image stores) and
#                                        Podman, brought up by scripts/engines.sh
#
# The daemon is the one DOCKER_HOST names (the docker CLI and academy both
# follow it), else the default.
#
# It builds two tiny images from local contexts, pushes one to an in-process
# registry on 127.0.0.1 and pulls it back (for a RepoDigest), and removes
# everything it made when it ends. Nothing of the user's is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-40}

if [ "${BENCH_ENGINES:-}" = 1 ]; then
	hosts=$(scripts/engines.sh up)
	echo "== default daemon"
	BENCH_ENGINES= "$0" "$runs"
	while read -r engine host; do
		[ -n "$engine" ] || continue
		echo "== $engine ($host)"
		DOCKER_HOST=$host BENCH_ENGINES= "$0" "$runs"
	done <<<"$hosts"
	exit
fi

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
docker version >/dev/null

work=$(mktemp -d)
pfx=academy-bench-$$
reg_pid=
cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
	docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -F "$pfx/" | xargs -r docker rmi -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/academy" ./cmd/academy
go build -o "$work/testregistry" ./internal/cmd/testregistry
"$work/testregistry" >"$work/addr" &
reg_pid=$!
for _ in $(seq 50); do [ -s "$work/addr" ] && break; sleep 0.1; done
reg=$(cat "$work/addr")

image() { # image REF PAYLOAD
	mkdir -p "$work/ctx-$2"
	echo "$2 $pfx" >"$work/ctx-$2/payload"
	printf 'FROM scratch\nCOPY payload /payload\n' >"$work/ctx-$2/Dockerfile"
	docker build -q -t "$1" "$work/ctx-$2" >/dev/null 2>&1
}
image "$pfx/my-app:v1" app
docker tag "$pfx/my-app:v1" "$pfx/cloudcorp/my-app:latest"
docker tag "$pfx/my-app:v1" "$pfx/cloudcorp/my-app:1.0.0"
nginx="$reg/$pfx/nginx:latest"
image "$nginx" nginx
docker push -q "$nginx" >/dev/null
docker rmi "$nginx" >/dev/null
docker pull -q "$nginx" >/dev/null
digest=$(docker inspect --format='{{index .RepoDigests 0}}' "$nginx")
docker save -o "$work/my-app.tar" "$pfx/my-app:v1"

academy="$work/academy check zone7 -C $work --var image=$pfx/my-app:v1 --var repo=$pfx/cloudcorp/my-app --var digestImage=$nginx --answer digest=$digest"
$academy >/dev/null || { echo "bench-check: academy check does not pass on the prepared lab" >&2; $academy; exit 1; }

cat >"$work/verify.sh" <<SH
#!/bin/sh
# What a hand-written verify script does with the docker CLI.
set -e
want=\$(docker image inspect -f '{{.Id}}' $pfx/my-app:v1)
[ "\$(docker image inspect -f '{{.Id}}' $pfx/cloudcorp/my-app:latest)" = "\$want" ]
[ "\$(docker image inspect -f '{{.Id}}' $pfx/cloudcorp/my-app:1.0.0)" = "\$want" ]
docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' $nginx | grep -qxF '$digest'
tar -xOf $work/my-app.tar manifest.json | grep -qF '$pfx/my-app:v1'
SH
chmod +x "$work/verify.sh"
"$work/verify.sh"

hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/times.json" \
	-n "docker version" "docker version" \
	-n "academy check zone7" "$academy" \
	-n "shell verify script" "$work/verify.sh" >"$work/hyperfine.txt"

python3 - "$work/times.json" <<'PY'
import json, sys
rs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = rs["docker version"]["median"]
print(f"{'command':<22} {'median':>9} {'vs docker version':>18}")
for name, r in rs.items():
    print(f"{name:<22} {r['median']*1000:7.1f}ms {r['median']/base:17.2f}x")
PY
