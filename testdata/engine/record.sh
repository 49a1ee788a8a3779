#!/usr/bin/env bash
# Records what a real engine answers into testdata/engine/DIR, for the fake
# engine (pkg/dockerstate/fakeengine) to replay:
#
#   testdata/engine/record.sh docker-20.10 /var/run/docker.sock
#   testdata/engine/record.sh podman-4.3 /run/podman/podman.sock
#
# Needs curl, jq, the docker CLI and the Go toolchain (for a static binary
# to run in a container, and for the loopback registry that gives pulled
# images real RepoDigests). Everything it makes carries a random prefix and
# is removed at the end.
set -euo pipefail

dir=$1
sock=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/$dir"
mkdir -p "$out"
export DOCKER_HOST=unix://$sock
unset DOCKER_CONTEXT DOCKER_API_VERSION

prefix=academy-rec-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
work=$(mktemp -d)
registry_pid=
cleanup() {
	docker ps -aq --filter "name=$prefix" | xargs -r docker rm -f >/dev/null || true
	docker images --format '{{.Repository}}:{{.Tag}}' | grep "$prefix" | xargs -r docker rmi -f >/dev/null || true
	[ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

api() { curl -sS --unix-socket "$sock" "http://d$1"; }

# The ping's headers name the engine; Date changes with every answer.
curl -sSI --unix-socket "$sock" http://d/_ping | tr -d '\r' | grep -v '^Date:' | sed '/^$/d' >"$out/ping.http"
v=$(sed -n 's/^Api-Version: //Ip' "$out/ping.http")
api "/v$v/info" >"$out/info.json"

since=$(date +%s)

# An imported image with a label: no RepoDigests on a graphdriver store.
printf 'academy\n' >"$work/hello.txt"
tar -C "$work" -cf "$work/rootfs.tar" hello.txt
docker import --change 'LABEL org.opencontainers.image.title=my-app' "$work/rootfs.tar" "$prefix/my-app:v1" >/dev/null
docker tag "$prefix/my-app:v1" "$prefix/cloudcorp:latest"
api "/v$v/images/$prefix/my-app:v1/json" >"$out/image-imported.json"

# A pulled image: real RepoDigests from a registry on loopback.
# Podman pushes only to registries its registries.conf marks insecure:
# start go run ./internal/cmd/testregistry first, give the service a
# CONTAINERS_REGISTRIES_CONF with [[registry]] location="ADDR" insecure=true,
# and pass REGISTRY=ADDR here.
reg=${REGISTRY:-}
if [ -z "$reg" ]; then
	(cd "$root" && go build -o "$work/testregistry" ./internal/cmd/testregistry)
	"$work/testregistry" >"$work/registry.addr" &
	registry_pid=$!
	for _ in $(seq 50); do [ -s "$work/registry.addr" ] && break; sleep 0.1; done
	reg=$(cat "$work/registry.addr")
fi
docker tag "$prefix/my-app:v1" "$reg/$prefix/nginx:latest"
docker push -q "$reg/$prefix/nginx:latest" >/dev/null
docker rmi "$reg/$prefix/nginx:latest" >/dev/null
docker pull -q "$reg/$prefix/nginx:latest" >/dev/null
api "/v$v/images/$reg/$prefix/nginx:latest/json" >"$out/image-pulled.json"
api "/v$v/images/$prefix/missing:v1/json" >"$out/image-missing.json" || true

# A running container: a static binary that sleeps, FROM scratch.
cat >"$work/main.go" <<'EOF'
package main

import "time"

func main() { time.Sleep(time.Hour) }
EOF
(cd "$work" && CGO_ENABLED=0 go mod init sleeper >/dev/null 2>&1 && CGO_ENABLED=0 go build -o sleeper .)
printf 'FROM scratch\nCOPY sleeper /sleeper\nLABEL academy.test=record\nCMD ["/sleeper"]\n' >"$work/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$prefix/app:v1" -f "$work/Dockerfile" "$work" >/dev/null
docker run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --restart on-failure:3 --name "$prefix-web" --label academy.role=web "$prefix/app:v1" >/dev/null
api "/v$v/containers/$prefix-web/json" >"$out/container-running.json"
docker create --network none --name "$prefix-idle" "$prefix/app:v1" >/dev/null
api "/v$v/containers/$prefix-idle/json" >"$out/container-created.json"
docker rm -f "$prefix-web" "$prefix-idle" >/dev/null
docker rmi "$prefix/cloudcorp:latest" >/dev/null

# Podman answers nothing when until is already past: ask before it is.
until=$(($(date +%s) + 2))
# Only what this script did: another user of the daemon may be busy too.
ids=$(docker inspect --format '{{.Id}}' "$prefix/my-app:v1" "$prefix/app:v1" | sed 's/^sha256://' | paste -sd'|')
api "/v$v/events?since=$since&until=$until&filters=$(jq -rn '{type:["image","container"]}|@uri')" |
	grep -E "$prefix|$ids" >"$out/events.jsonl"
echo "recorded $out (API $v)"
