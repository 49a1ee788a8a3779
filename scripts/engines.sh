#!/usr/bin/env bash
# Three more container engines beside the default Docker daemon, for the
# integration tests: Docker 29 with the containerd image store, Docker 29
# with the vfs graphdriver, and Podman's Docker-compatible service. Each has
# its own data root, exec root, pid file and socket (and the containerd store
# a containerd of its own), all under one state folder, so nothing of the
# default daemon or of anyone else's Podman is shared or touched.
#
#   scripts/engines.sh up [ENGINE...]     start (or keep) them; print NAME DOCKER_HOST
#   scripts/engines.sh hosts [ENGINE...]  print NAME DOCKER_HOST of those that answer
#   scripts/engines.sh down [ENGINE...]   stop them and remove their state
#   scripts/engines.sh logs [ENGINE...]   the end of each one's logs
#   scripts/engines.sh build              only build Docker 29 and its runc (cached)
#
# Engines: docker29-containerd docker29-vfs podman (all when none is named).
# Run the tests against one:  DOCKER_HOST=$(scripts/engines.sh hosts podman | cut -d' ' -f2) go test ./...
#
# Environment:
#   ACADEMY_ENGINES_DIR    state folder (default /tmp/academy-engines); down removes it
#   ACADEMY_ENGINES_CACHE  where the Docker 29 build is kept between runs
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/academy-engines)
#   ACADEMY_ENGINES_WAIT   seconds each engine gets to answer (default 90)
#
# Docker 29 and runc 1.3 are built once from the Go module proxy (about 9
# minutes on 2 cores) and kept in the cache; Podman, containerd and
# libseccomp's headers come from Debian (.ci/run installs them). Needs root,
# as dockerd does.
set -euo pipefail

moby_module=github.com/moby/moby/v2
moby_version=v2.0.0-beta.24
runc_module=github.com/opencontainers/runc
runc_version=v1.3.6
all_engines=(docker29-containerd docker29-vfs podman)

state=${ACADEMY_ENGINES_DIR:-/tmp/academy-engines}
cache=${ACADEMY_ENGINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/academy-engines}
wait_s=${ACADEMY_ENGINES_WAIT:-90}
dockerd29=$cache/bin/dockerd
runc13=$cache/bin/runc

say() { echo "engines: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# --- builds: Docker 29 and its runc ------------------------------------------

# built BINARY MODULE VERSION: the cached BINARY is MODULE at VERSION.
built() {
	[ -x "$1" ] && go version -m "$1" 2>/dev/null |
		grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

# build_one NAME MODULE VERSION PACKAGE [GO FLAG...]: go install PACKAGE@VERSION
# into $cache/bin/NAME, unless it is there already.
build_one() {
	local name=$1 module=$2 version=$3 pkg=$4
	shift 4
	local bin=$cache/bin/$name
	built "$bin" "$module" "$version" && return 0
	command -v go >/dev/null || die "go is needed to build $name"
	mkdir -p "$cache"
	# One build at a time on this machine; a second caller waits and reuses it.
	exec 9>"$cache/build.lock"
	if ! flock -n 9; then
		say "another build is running; waiting for it (up to 30 min)"
		flock -w 1800 9 || die "gave up waiting for $cache/build.lock"
	fi
	if built "$bin" "$module" "$version"; then
		exec 9>&-
		return 0
	fi
	say "building $name $version from the Go module proxy into $cache/bin"
	local tmp log=$cache/build-$name.log
	tmp=$(mktemp -d "$cache/gobin.XXXXXX")
	if ! GOBIN=$tmp GOFLAGS= go install "$@" "$pkg@$version" >"$log" 2>&1; then
		rm -rf "$tmp"
		tail -n 30 "$log" >&2
		die "building $name failed (log: $log)"
	fi
	mkdir -p "$cache/bin"
	mv -f "$tmp/$(basename "$pkg")" "$bin"
	rm -rf "$tmp"
	exec 9>&-
	built "$bin" "$module" "$version" || die "the build did not give $module $version"
}

# build: Docker 29 (about 8 minutes on 2 cores, 1.6 GB of memory while
# linking), and the runc it runs containers with. Debian 12's runc (1.1.5)
# does not know the time namespace Docker 29 asks every container for
# ("namespace {"time" ""} does not exist"); runc 1.3 does. runc needs cgo and
# libseccomp's headers (apt-get install libseccomp-dev) for Docker's default
# seccomp profile.
build() {
	build_one dockerd "$moby_module" "$moby_version" "$moby_module/cmd/dockerd"
	pkg-config --exists libseccomp 2>/dev/null ||
		die "runc needs libseccomp's headers (apt-get install libseccomp-dev)"
	CGO_ENABLED=1 build_one runc "$runc_module" "$runc_version" "$runc_module" -tags seccomp
}

# --- processes ----------------------------------------------------------------

# alive PIDFILE: the process named in PIDFILE runs and belongs to this state
# folder (its command line names it), so a recycled pid is never signalled.
alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$state/"
}

# stop PIDFILE: SIGTERM, up to 20 s, then SIGKILL.
stop() {
	local pid
	alive "$1" || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 200); do
		alive "$1" || return 0
		sleep 0.1
	done
	say "pid $pid did not stop in 20 s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.5
}

# answers SOCKET: the engine behind SOCKET answers /_ping.
answers() {
	[ -S "$1" ] && curl -fsS --max-time 5 --unix-socket "$1" http://engine/_ping >/dev/null 2>&1
}

logs_of() { # ENGINE
	local d=$state/$1 f
	for f in "$d"/*.log; do
		[ -f "$f" ] || continue
		echo "----- $f (last 40 lines)" >&2
		tail -n 40 "$f" >&2
	done
}

# --- one engine ---------------------------------------------------------------

sock_of() { echo "$state/$1/engine.sock"; }

start_containerd() { # DIR
	local d=$1
	mkdir -p "$d/containerd"
	cat >"$d/containerd/config.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
# Docker needs none of Kubernetes' CRI; left on, it would also look for CNI.
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd/containerd.sock"
[ttrpc]
  address = "$d/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
EOF
	containerd --config "$d/containerd/config.toml" >"$d/containerd.log" 2>&1 8>&- 9>&- &
	echo $! >"$d/containerd.pid"
	local i
	for i in $(seq $((wait_s * 10))); do
		[ -S "$d/containerd/containerd.sock" ] && return 0
		alive "$d/containerd.pid" || break
		sleep 0.1
	done
	return 1
}

start_dockerd() { # ENGINE DIR STORE
	local engine=$1 d=$2 store=$3
	# Containers run with the runc built beside dockerd (see build).
	local runtimes='"default-runtime":"academy-runc","runtimes":{"academy-runc":{"path":"'"$runc13"'"}}'
	local flags=(--config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec"
		--pidfile "$d/exec/dockerd.pid" -H "unix://$(sock_of "$engine")"
		--iptables=false --ip6tables=false --bridge=none)
	if [ "$store" = containerd ]; then
		start_containerd "$d" || return 1
		echo '{"features":{"containerd-snapshotter":true},'"$runtimes"'}' >"$d/daemon.json"
		flags+=(--storage-driver=native --containerd "$d/containerd/containerd.sock")
	else
		# dockerd starts its own containerd, under --exec-root and --data-root.
		echo '{"features":{"containerd-snapshotter":false},'"$runtimes"'}' >"$d/daemon.json"
		flags+=(--storage-driver=vfs)
	fi
	"$dockerd29" "${flags[@]}" >"$d/dockerd.log" 2>&1 8>&- 9>&- &
	echo $! >"$d/dockerd.pid"
}

start_podman() { # DIR
	local d=$1
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/networks"
	# The tests' registries listen on 127.0.0.1 at a random port: "127.0.0.1"
	# matches any of them (a host prefix matches host:port).
	cat >"$d/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "127.0.0.1"
insecure = true
[[registry]]
location = "localhost"
insecure = true
EOF
	cat >"$d/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$d/root"
runroot = "$d/runroot"
EOF
	# Rootful Podman gives every container 1048576 open files and processes
	# unless told otherwise; where the service's own hard limits are lower
	# (a CI runner, a container; the service here even lowers its own
	# process limit) runc cannot raise them and no container starts ("error
	# setting rlimit type 7"). The tests' containers run one small process.
	cat >"$d/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/tmp/events.log"
tmp_dir = "$d/tmp"
[network]
network_config_dir = "$d/networks"
EOF
	# Podman keeps a blob cache in /var/lib/containers/cache whatever its
	# root: in a mount namespace of its own, that folder is one of ours.
	mkdir -p "$d/var-lib-containers" /var/lib/containers
	CONTAINERS_REGISTRIES_CONF=$d/registries.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
		CONTAINERS_CONF=$d/containers.conf \
		unshare --mount --propagation private \
		sh -c 'mount --bind "$0" /var/lib/containers && exec "$@"' "$d/var-lib-containers" \
		podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --network-config-dir "$d/networks" \
		system service --time=0 "unix://$(sock_of podman)" >"$d/podman.log" 2>&1 8>&- 9>&- &
	echo $! >"$d/podman.pid"
}

pidfiles_of() { # ENGINE: the main process first
	case $1 in
	podman) echo "$state/$1/podman.pid" ;;
	*) echo "$state/$1/dockerd.pid" "$state/$1/containerd.pid" ;;
	esac
}

running() { # ENGINE
	local main
	main=$(pidfiles_of "$1" | cut -d' ' -f1)
	alive "$main" && answers "$(sock_of "$1")"
}

# remove ENGINE: stop its processes, unmount what they left, delete its state.
remove() {
	local e=$1 d=$state/$1 f m
	[ -d "$d" ] || return 0
	for f in $(pidfiles_of "$e"); do stop "$f"; done
	# What they started and left behind (dockerd's own containerd, if dockerd
	# had to be killed): engine processes whose command line names this folder.
	for f in /proc/[0-9]*; do
		case $(cat "$f/comm" 2>/dev/null) in containerd | dockerd | podman | conmon | containerd-shim*) ;; *) continue ;; esac
		if tr '\0' ' ' <"$f/cmdline" 2>/dev/null | grep -qF "$d/"; then
			say "stopping ${f#/proc/} left by $e"
			kill -KILL "${f#/proc/}" 2>/dev/null || true
		fi
	done
	# Deepest first; lazily, so a busy mount cannot keep the folder.
	for m in $(findmnt -rn -o TARGET | grep -F "$d/" | sort -r || true); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$d" 2>/dev/null || { sleep 1; rm -rf "$d"; }
}

up_one() { # ENGINE
	local e=$1 d=$state/$1
	if running "$e"; then
		return 0
	fi
	remove "$e" # a stale or half-started one
	mkdir -p "$d"
	case $e in
	docker29-containerd) start_dockerd "$e" "$d" containerd ;;
	docker29-vfs) start_dockerd "$e" "$d" vfs ;;
	podman) start_podman "$d" ;;
	esac
}

wait_for() { # ENGINE
	local e=$1 main
	main=$(pidfiles_of "$e" | cut -d' ' -f1)
	for _ in $(seq $((wait_s * 5))); do
		answers "$(sock_of "$e")" && return 0
		alive "$main" || break
		sleep 0.2
	done
	return 1
}

# --- commands -------------------------------------------------------------------

engines_from_args() {
	if [ $# -eq 0 ]; then
		echo "${all_engines[@]}"
		return
	fi
	local e
	for e in "$@"; do
		[[ " ${all_engines[*]} " == *" $e "* ]] || die "unknown engine $e (known: ${all_engines[*]})"
	done
	echo "$@"
}

need_root() { [ "$(id -u)" = 0 ] || die "dockerd and podman's service need root here; run as root"; }

# Everything runs from main, so bash has read the whole file before the
# first command: editing this script while a build runs cannot break it.
main() {
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	up)
		need_root
		engines=$(engines_from_args "$@")
		for tool in curl findmnt flock; do command -v $tool >/dev/null || die "$tool is needed"; done
		case " $engines " in *" docker29-"*)
			command -v containerd >/dev/null || die "containerd is needed (apt-get install containerd)"
			build
			;;
		esac
		case " $engines " in *" podman "*)
			command -v podman >/dev/null || die "podman is needed (apt-get install podman)"
			;;
		esac
		mkdir -p "$state"
		exec 8>"$state.lock"
		flock -w 120 8 || die "another up/down holds $state.lock"
		for e in $engines; do up_one "$e" || true; done
		failed=()
		for e in $engines; do
			if wait_for "$e"; then
				echo "$e unix://$(sock_of "$e")"
			else
				failed+=("$e")
			fi
		done
		if [ ${#failed[@]} -gt 0 ]; then
			for e in "${failed[@]}"; do
				say "$e did not answer within ${wait_s}s; its logs:"
				logs_of "$e"
			done
			die "not up: ${failed[*]}"
		fi
		;;
	hosts)
		rc=0
		for e in $(engines_from_args "$@"); do
			if running "$e"; then echo "$e unix://$(sock_of "$e")"; else
				say "$e is not up"
				rc=1
			fi
		done
		exit $rc
		;;
	down)
		need_root
		engines=$(engines_from_args "$@")
		[ -d "$state" ] || exit 0
		exec 8>"$state.lock"
		flock -w 120 8 || die "another up/down holds $state.lock"
		for e in $engines; do remove "$e"; done
		if rmdir "$state" 2>/dev/null; then rm -f "$state.lock"; fi
		;;
	logs)
		for e in $(engines_from_args "$@"); do logs_of "$e"; done
		;;
	build)
		build
		echo "$dockerd29"
		echo "$runc13"
		;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

main "$@"
exit
