#!/usr/bin/env bash
# Starts versitygw, a real S3 gateway, on a loopback port for the S3
# destination's tests, and prints the `export VAR=value` lines they need:
#
#   eval "$(scripts/servers/versitygw.sh)"
#
# It builds versitygw with `go install` only when the cached binary is
# missing (the first build takes about 5 minutes on 2 cores), keeps the
# binary, the data and the pid file outside the repository, and reuses a
# gateway it started before if it still answers. Buckets are created by the
# tests themselves, with the root credentials printed here.
#
# Environment (all optional):
#   FACTEUR_TEST_CACHE      cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test)
#   FACTEUR_VERSITYGW_PORT  port to listen on (default: 7070, or a free one)
set -euo pipefail

version=v1.8.0
cache=${FACTEUR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test}
bin=$cache/bin/versitygw
state=$cache/versitygw
access_key=facteur-root
secret_key=facteur-root-secret-$(id -u)

die() { printf 'versitygw.sh: %s\n' "$*" >&2; exit 1; }
log() { printf 'versitygw.sh: %s\n' "$*" >&2; }

# port_open PORT: true when something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# answers PORT: true when an S3 server answers on PORT (an unsigned request
# gets an S3 error document back).
answers() { curl -s -m 3 "http://127.0.0.1:$1/" 2>/dev/null | grep -q '<Error>\|<ListAllMyBucketsResult'; }

print_exports() {
	printf 'export FACTEUR_TEST_S3_ENDPOINT=%q\n' "http://127.0.0.1:$1"
	printf 'export FACTEUR_TEST_S3_ACCESS_KEY=%q\n' "$access_key"
	printf 'export FACTEUR_TEST_S3_SECRET_KEY=%q\n' "$secret_key"
	printf 'export FACTEUR_TEST_S3_REGION=%q\n' "us-east-1"
}

command -v curl >/dev/null || {
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "curl is missing; install it"
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >&2
}

mkdir -p "$cache/bin" "$state/data"

# Reuse the gateway started by an earlier run if it still answers.
if [ -f "$state/pid" ] && [ -f "$state/port" ]; then
	pid=$(cat "$state/pid"); port=$(cat "$state/port")
	if kill -0 "$pid" 2>/dev/null && answers "$port"; then
		log "reusing versitygw (pid $pid) on port $port"
		print_exports "$port"
		exit 0
	fi
	rm -f "$state/pid" "$state/port"
fi

if [ ! -x "$bin" ]; then
	command -v go >/dev/null || die "go is needed to build versitygw"
	log "building versitygw $version into $cache/bin (about 5 minutes the first time)"
	(cd "$cache" && GOBIN="$cache/bin" go install "github.com/versity/versitygw/cmd/versitygw@$version") >&2 ||
		die "go install github.com/versity/versitygw/cmd/versitygw@$version failed"
fi

port=${FACTEUR_VERSITYGW_PORT:-7070}
if port_open "$port"; then
	# Something else holds the port: pick a free one.
	for p in $(seq 17070 17170); do port_open "$p" || { port=$p; break; }; done
	port_open "$port" && die "no free port found in 7070 and 17070-17170"
fi

# The gateway outlives this script: setsid detaches it from the caller's
# process group, so that the test script's shell can exit.
ROOT_ACCESS_KEY=$access_key ROOT_SECRET_KEY=$secret_key setsid "$bin" --port "127.0.0.1:$port" --quiet posix "$state/data" \
	>"$state/log" 2>&1 </dev/null &
echo $! >"$state/pid"
echo "$port" >"$state/port"

for _ in $(seq 1 100); do
	answers "$port" && break
	kill -0 "$(cat "$state/pid")" 2>/dev/null || die "versitygw exited: $(tail -5 "$state/log")"
	sleep 0.1
done
answers "$port" || die "versitygw does not answer on 127.0.0.1:$port: $(tail -5 "$state/log")"
log "versitygw (pid $(cat "$state/pid")) on port $port, data in $state/data"
print_exports "$port"
