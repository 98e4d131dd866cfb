#!/bin/sh
# Lighthouse's accessibility score of the schedules list and the schedule
# form, at a phone's width and at a desktop's, on a demo server logged in
# as its administrator. Run by hand (not in CI):
#
#     scripts/lighthouse.sh            # prints the four scores
#
# It installs Lighthouse 12.8 from npm into a cache folder outside the
# repository once, builds facteur, starts `facteur serve --demo` on a free
# port with a throwaway data directory, logs in through the login page and
# hands Lighthouse the session cookie. CHROME_PATH names the browser
# (default /usr/bin/chromium). It exits 1 if a score is under 98.
set -eu

cd "$(dirname "$0")/.."
die() { echo "lighthouse.sh: $*" >&2; exit 2; }

referees="${XDG_CACHE_HOME:-$HOME/.cache}/facteur-referees"
lighthouse="$referees/node_modules/.bin/lighthouse"
if [ ! -x "$lighthouse" ]; then
	echo "Installing Lighthouse 12.8 into $referees"
	mkdir -p "$referees" && (cd "$referees" && npm install --silent --no-audit --no-fund lighthouse@12.8 >/dev/null) || die "cannot install lighthouse from the npm registry"
fi
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
[ -x "$CHROME_PATH" ] || die "no browser at $CHROME_PATH (apt-get install chromium)"

work=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

go build -o "$work/facteur" ./cmd/facteur || die "build failed"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
email=lighthouse@example.org
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
FACTEUR_ADMIN_EMAIL=$email FACTEUR_ADMIN_PASSWORD=$password \
	"$work/facteur" serve --demo --data "$work/data" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
	curl -fs "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { cat "$work/serve.log" >&2; die "the server did not start"; }

# The login page sets the session cookie; Lighthouse sends it with every request.
curl -fs -o /dev/null -c "$work/cookies" --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/login" || die "login failed"
session=$(awk '$6 == "facteur_session" { print $7 }' "$work/cookies")
[ -n "$session" ] || die "no session cookie after the login"
# The demo is seeded in the background: wait for its schedule.
schedule=""
for _ in $(seq 1 120); do
	schedule=$(curl -fs -b "$work/cookies" "$base/api/v1/schedules" | python3 -c 'import json, sys; l = json.load(sys.stdin); print(l[0]["id"] if l else "")') || true
	[ -n "$schedule" ] && break
	sleep 1
done
[ -n "$schedule" ] || { cat "$work/serve.log" >&2; die "no demo schedule"; }

status=0
for page in /schedules "/schedules/$schedule/edit"; do
	for form in mobile desktop; do
		preset=""
		[ "$form" = desktop ] && preset="--preset=desktop"
		out="$work/report-$form.json"
		# shellcheck disable=SC2086
		"$lighthouse" "$base$page" --only-categories=accessibility $preset --quiet \
			--extra-headers="{\"Cookie\": \"facteur_session=$session\"}" \
			--chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" \
			--output=json --output-path="$out" || die "lighthouse failed on $page"
		score=$(node -e '
			const r = require(process.argv[1]);
			const failed = Object.values(r.audits).filter(a => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary").map(a => a.id);
			if (new URL(r.finalDisplayedUrl).pathname !== process.argv[2]) { console.log("0: the page led to " + r.finalDisplayedUrl); process.exit(); }
			console.log(Math.round(r.categories.accessibility.score * 100) + (failed.length ? " (failed: " + failed.join(", ") + ")" : ""));
		' "$out" "$page")
		echo "$page $form: $score"
		case "$score" in
		100* | 99* | 98*) ;;
		*) status=1 ;;
		esac
	done
done
exit $status
