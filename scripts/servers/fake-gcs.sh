#!/usr/bin/env bash
# Starts fake-gcs-server, a server of Google Cloud Storage's JSON API, on a
# loopback port for the Cloud Storage destination's tests, and prints the
# `export VAR=value` line they need:
#
#   eval "$(scripts/servers/fake-gcs.sh)"
#
# It builds fake-gcs-server with `go install` only when the cached binary
# is missing (about 2 minutes on 2 cores the first time), keeps the binary,
# the data and the pid file outside the repository, and reuses a server it
# started before if it still answers. Without it, the tests run the same
# server's library inside the test process; only the memory measurement of
# a 200 MB upload needs the server in a process of its own.
#
# Environment (all optional):
#   FACTEUR_TEST_CACHE      cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test)
#   FACTEUR_FAKE_GCS_PORT   port to listen on (default: 4443, or a free one)
set -euo pipefail

version=v1.56.1
cache=${FACTEUR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test}
bin=$cache/bin/fake-gcs-server
state=$cache/fake-gcs

die() { printf 'fake-gcs.sh: %s\n' "$*" >&2; exit 1; }
log() { printf 'fake-gcs.sh: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# answers PORT: true when the JSON API answers on PORT.
answers() { curl -s -m 3 "http://127.0.0.1:$1/storage/v1/b?project=test" 2>/dev/null | grep -q '"kind"'; }

print_exports() { printf 'export FACTEUR_TEST_GCS_ENDPOINT=%q\n' "http://127.0.0.1:$1"; }

command -v curl >/dev/null || die "curl is missing; install it"
mkdir -p "$cache/bin" "$state/data"

if [ -f "$state/pid" ] && [ -f "$state/port" ]; then
	pid=$(cat "$state/pid"); port=$(cat "$state/port")
	if kill -0 "$pid" 2>/dev/null && answers "$port"; then
		log "reusing fake-gcs-server (pid $pid) on port $port"
		print_exports "$port"
		exit 0
	fi
	rm -f "$state/pid" "$state/port"
fi

if [ ! -x "$bin" ]; then
	command -v go >/dev/null || die "go is needed to build fake-gcs-server"
	log "building fake-gcs-server $version into $cache/bin"
	(cd "$cache" && GOBIN="$cache/bin" go install "github.com/fsouza/fake-gcs-server@$version") >&2 ||
		die "go install github.com/fsouza/fake-gcs-server@$version failed"
fi

port=${FACTEUR_FAKE_GCS_PORT:-4443}
if port_open "$port"; then
	for p in $(seq 14443 14543); do port_open "$p" || { port=$p; break; }; done
	port_open "$port" && die "no free port found in 4443 and 14443-14543"
fi

setsid "$bin" -scheme http -host 127.0.0.1 -port "$port" -external-url "http://127.0.0.1:$port" \
	-backend filesystem -filesystem-root "$state/data" -log-level warn >"$state/log" 2>&1 </dev/null &
echo $! >"$state/pid"
echo "$port" >"$state/port"

for _ in $(seq 1 100); do
	answers "$port" && break
	kill -0 "$(cat "$state/pid")" 2>/dev/null || die "fake-gcs-server exited: $(tail -5 "$state/log")"
	sleep 0.1
done
answers "$port" || die "fake-gcs-server does not answer on 127.0.0.1:$port: $(tail -5 "$state/log")"
log "fake-gcs-server (pid $(cat "$state/pid")) on port $port, data in $state/data"
print_exports "$port"
