#!/usr/bin/env bash
# bench-export.sh — how fast `facteur export` gets a large PostgreSQL table
# out, against what the server itself can do and against psql's \copy.
#
# Usage:
#   scripts/bench-export.sh [ROWS [REPS]]
#
# Environment (arguments win over it):
#   FACTEUR_TEST_POSTGRES  PostgreSQL URL whose role may create tables and
#                          COPY to a server file (/dev/null): a superuser or
#                          pg_write_server_files. Default
#                          postgres://postgres@127.0.0.1:5432/test?sslmode=disable
#   BENCH_ROWS             rows in the table (default 5000000)
#   BENCH_REPS (or R)      repetitions of every contender (default 3)
#   BENCH_SMALL_ROWS       rows of the memory-flatness runs and of xlsx
#                          (default 1000000, at most half of BENCH_ROWS)
#   BENCH_PROFILE=1        also take a CPU profile of the COPY path and of the
#                          row path (scripts/benchpaths) and print their tops
#   BENCH_KEEP=1           keep the temporary directory (raw results, logs)
#
# What it does:
#   1. builds facteur (./cmd/facteur) and scripts/benchpaths once, into a
#      temporary directory (mktemp -d); installs GNU time with apt-get when
#      /usr/bin/time is missing and we are root;
#   2. creates the table public.bench_export_<pid>_<random> of ROWS rows:
#      id bigint (primary key), code text (16 chars), email text,
#      created_at timestamptz, amount numeric(12,2), active boolean,
#      note text (about 70 chars; about 30% NULL; 1 in 10 needs CSV quotes),
#      deterministic (hash-based) values; VACUUM ANALYZE; reads it once to
#      warm the caches;
#   3. runs every contender REPS times, round robin (one run of each, then
#      again, starting one contender later each round), each under
#      /usr/bin/time -v, recording wall time, peak RSS, CPU, rows (checked),
#      output size, the 1-minute load average before and after, and how busy
#      the whole machine was during the run (/proc/stat);
#   4. prints a markdown table (median and min–max wall time, rows/s,
#      ratios to the server-side limit and to psql \copy, peak RSS), the
#      memory-flatness comparison and the load figures.
#
# It writes only under its temporary directory and in the table it creates;
# the table and the directory are removed on exit, even on failure or ^C.
#
# The contenders (all write to files in the temporary directory, then the
# file is removed):
#   limit            COPY (SELECT * FROM t) TO '/dev/null' (FORMAT csv), run
#                    by the server: no client, no network; baseline 1
#   limit+conv       the same with Facteur's conversions (to_json for
#                    timestamptz, CASE for boolean), as facteur's COPY sends
#   psql \copy       \copy (select * from t) to 'file' csv header
#   facteur csv      facteur export --table t --format csv (rows through Facteur's CSV encoder)
#   path copy/rows   scripts/benchpaths: export.Run with the real source (COPY)
#                    and with CSVCopier hidden (rows one by one, Go encoder)
#   path …, plain cols   the same on the columns COPY needs not convert
#                    (id, code, email, amount, note)
#   facteur ndjson, json, csv.zip   facteur export --table t --format …
#   psql \copy | gzip -1   \copy … to program 'gzip -1 > file': psql's CSV, gzipped
#   facteur csv.gz, csv.zst facteur export --format csv --compression gzip|zstd
#   facteur xlsx     facteur export --query 'select * from t where id <= SMALL'
#   facteur csv/ndjson @SMALL       the same query, for memory flatness
#
# Ratios are per row (a contender's seconds per row over the baseline's), so
# that the xlsx and @SMALL rows compare too; for the others it is the ratio
# of wall times.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

PG="${FACTEUR_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
ROWS="${1:-${BENCH_ROWS:-5000000}}"
REPS="${2:-${BENCH_REPS:-${R:-3}}}"
SMALL="${BENCH_SMALL_ROWS:-1000000}"
[[ "$ROWS" =~ ^[0-9]+$ && "$ROWS" -ge 10 ]] || { echo "rows: give a number of at least 10" >&2; exit 2; }
[[ "$REPS" =~ ^[0-9]+$ && "$REPS" -ge 1 ]] || { echo "repetitions: give a number of at least 1" >&2; exit 2; }
((SMALL > ROWS / 2)) && SMALL=$((ROWS / 2))

die() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------
if ! /usr/bin/time -v true >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || die "GNU time (/usr/bin/time) is missing; install the 'time' package"
	say "installing GNU time"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
psql "$PG" -XAtqc 'select 1' >/dev/null 2>&1 || die "PostgreSQL is not reachable at $PG (set FACTEUR_TEST_POSTGRES)"

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-export.XXXXXX")
T="bench_export_$$_${RANDOM}"
cleanup() {
	psql "$PG" -XAtqc "DROP TABLE IF EXISTS public.$T" >/dev/null 2>&1 || echo "could not drop table public.$T" >&2
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building facteur and benchpaths into $W"
go build -o "$W/facteur" ./cmd/facteur
go build -o "$W/benchpaths" ./scripts/benchpaths

# --- the table -----------------------------------------------------------
say "creating public.$T with $ROWS rows"
t0=$EPOCHREALTIME
psql "$PG" -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE public.$T (
	id         bigint PRIMARY KEY,
	code       text NOT NULL,
	email      text NOT NULL,
	created_at timestamptz NOT NULL,
	amount     numeric(12,2) NOT NULL,
	active     boolean NOT NULL,
	note       text
);
INSERT INTO public.$T
SELECT g,
	substr(md5(g::text), 1, 16),
	'user' || g || '@' || (ARRAY['example.com', 'mail.example.org', 'exemple.fr'])[1 + g % 3],
	timestamptz '2020-01-01 00:00:00+00' + g * interval '17 seconds' + (g % 1000) * interval '1 millisecond',
	((hashtext('a' || g) & 2147483647) % 10000000) / 100.0,
	g % 3 <> 0,
	CASE
		WHEN (hashtext('n' || g) & 1023) < 307 THEN NULL
		WHEN g % 10 = 0 THEN 'Said "call back", ' || md5(g::text) || ' ' || substr(md5((g * 7)::text), 1, 20)
		ELSE 'Note ' || md5(g::text) || ' ' || md5((g * 7)::text)
	END
FROM generate_series(1, $ROWS) AS g;
VACUUM ANALYZE public.$T;
SQL
table_mb=$(psql "$PG" -XAtqc "select pg_total_relation_size('public.$T') / 1048576")
say "table ready in $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}") s, $table_mb MB; warming the caches"
psql "$PG" -XAtqc "COPY (SELECT * FROM public.$T) TO '/dev/null' (FORMAT csv)" >/dev/null

# --- measuring -------------------------------------------------------------
RESULTS="$W/results.tsv" # name rep rows wall rss_kb cpu bytes load0 load1 busy extra
LOG="$W/runs.log"
: >"$RESULTS"
: >"$LOG"

# cpu_busy prints the busy and total jiffies of the whole machine.
cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

# measure NAME EXPECTED_ROWS OUTPUT COMMAND... runs COMMAND once under
# /usr/bin/time and appends a line to RESULTS. OUTPUT is the file it writes
# (removed afterwards), or - when it writes none.
measure() {
	local name=$1 expect=$2 out=$3 rep=$4
	shift 4
	local load0 load1 b0 n0 b1 n1 t0 t1
	uptime >>"$LOG"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	read -r b0 n0 < <(cpu_busy)
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -v -o "$W/time.txt" "$@" >"$W/stdout.txt" 2>"$W/stderr.txt"; then
		cat "$W/stdout.txt" "$W/stderr.txt" >&2
		die "$name failed: $*"
	fi
	t1=$EPOCHREALTIME
	read -r b1 n1 < <(cpu_busy)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	uptime >>"$LOG"
	local rows rss cpu bytes=- busy wall extra=-
	rows=$(sed -nE 's/^(rows: |COPY )([0-9]+)$/\2/p; s/.* rows=([0-9]+) .*/\1/p' "$W/stdout.txt" "$W/stderr.txt" | head -1)
	[ "$rows" = "$expect" ] || { cat "$W/stdout.txt" "$W/stderr.txt" >&2; die "$name wrote ${rows:-no} rows, expected $expect"; }
	rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$W/time.txt")
	cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$W/time.txt")
	if [ "$out" != - ]; then
		bytes=$(stat -c %s "$out")
		rm -f "$out"
	fi
	wall=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
	busy=$(awk "BEGIN{d=$n1-$n0; printf \"%.0f\", d ? 100*($b1-$b0)/d : 0}")
	case $name in
	facteur*) extra=$(sed -nE 's/^stages: (.*)$/\1/p' "$W/stdout.txt" | tr -d ' ' | tr ',' ';') ;;
	path*) extra=$(grep -oE '(server_cpu_s|peak_heap_mb)=[^ ]+' "$W/stdout.txt" | paste -sd';') ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$name" "$rep" "$rows" "$wall" "$rss" "$cpu" "$bytes" "$load0" "$load1" "$busy" "$extra" >>"$RESULTS"
	printf '   %-22s rep %s  %7.2f s  rss %6.1f MB  cpu %6.2f s  load %s -> %s  machine busy %s%%  %s\n' \
		"$name" "$rep" "$wall" "$(awk "BEGIN{print $rss/1024}")" "$cpu" "$load0" "$load1" "$busy" "$extra" >&2
}

F="$W/facteur"
B="$W/benchpaths"
Q="public.$T"
SQ="select * from public.$T where id <= $SMALL"
PLAIN="select id, code, email, amount, note from public.$T"
CONV="SELECT id, code, email, pg_catalog.to_json(created_at) #>> '{}', amount, CASE WHEN active THEN 'true' WHEN NOT active THEN 'false' END, note FROM public.$T"
NAMES=(
	"limit"
	"limit+conv"
	"psql \\copy"
	"facteur csv"
	"path copy"
	"path rows"
	"path copy, plain cols"
	"path rows, plain cols"
	"facteur ndjson"
	"facteur json"
	"facteur csv.zip"
	"facteur xlsx @$SMALL"
	"facteur csv @$SMALL"
	"facteur ndjson @$SMALL"
	"psql \\copy | gzip -1"
	"facteur csv.gz"
	"facteur csv.zst"
)

# contender I REP runs contender number I of NAMES once.
contender() {
	local rep=$2
	case $1 in
	0) measure "${NAMES[0]}" "$ROWS" - "$rep" psql "$PG" -XAt -c "COPY (SELECT * FROM $Q) TO '/dev/null' (FORMAT csv)" ;;
	1) measure "${NAMES[1]}" "$ROWS" - "$rep" psql "$PG" -XAt -c "COPY ($CONV) TO '/dev/null' (FORMAT csv)" ;;
	2) measure "${NAMES[2]}" "$ROWS" "$W/psql.csv" "$rep" psql "$PG" -XAt -c "\\copy (select * from $Q) to '$W/psql.csv' csv header" ;;
	3) measure "${NAMES[3]}" "$ROWS" "$W/f.csv" "$rep" "$F" export --source "$PG" --table "$Q" --format csv --output "$W/f.csv" ;;
	4) measure "${NAMES[4]}" "$ROWS" - "$rep" "$B" -source "$PG" -table "$Q" -path copy -out "$W" ;;
	5) measure "${NAMES[5]}" "$ROWS" - "$rep" "$B" -source "$PG" -table "$Q" -path rows -out "$W" ;;
	6) measure "${NAMES[6]}" "$ROWS" - "$rep" "$B" -source "$PG" -query "$PLAIN" -path copy -out "$W" ;;
	7) measure "${NAMES[7]}" "$ROWS" - "$rep" "$B" -source "$PG" -query "$PLAIN" -path rows -out "$W" ;;
	8) measure "${NAMES[8]}" "$ROWS" "$W/f.ndjson" "$rep" "$F" export --source "$PG" --table "$Q" --format ndjson --output "$W/f.ndjson" ;;
	9) measure "${NAMES[9]}" "$ROWS" "$W/f.json" "$rep" "$F" export --source "$PG" --table "$Q" --format json --output "$W/f.json" ;;
	10) measure "${NAMES[10]}" "$ROWS" "$W/f.csv.zip" "$rep" "$F" export --source "$PG" --table "$Q" --format csv.zip --output "$W/f.csv.zip" ;;
	11) measure "${NAMES[11]}" "$SMALL" "$W/f.xlsx" "$rep" "$F" export --source "$PG" --query "$SQ" --format xlsx --output "$W/f.xlsx" ;;
	12) measure "${NAMES[12]}" "$SMALL" "$W/s.csv" "$rep" "$F" export --source "$PG" --query "$SQ" --format csv --output "$W/s.csv" ;;
	13) measure "${NAMES[13]}" "$SMALL" "$W/s.ndjson" "$rep" "$F" export --source "$PG" --query "$SQ" --format ndjson --output "$W/s.ndjson" ;;
	14) measure "${NAMES[14]}" "$ROWS" "$W/psql.csv.gz" "$rep" psql "$PG" -XAt -c "\\copy (select * from $Q) to program 'gzip -1 > $W/psql.csv.gz' csv header" ;;
	15) measure "${NAMES[15]}" "$ROWS" "$W/f.csv.gz" "$rep" "$F" export --source "$PG" --table "$Q" --format csv --compression gzip --output "$W/f.csv.gz" ;;
	16) measure "${NAMES[16]}" "$ROWS" "$W/f.csv.zst" "$rep" "$F" export --source "$PG" --table "$Q" --format csv --compression zstd --output "$W/f.csv.zst" ;;
	esac
}

# Both paths must give the same bytes: check once before timing anything.
say "checking that the COPY path and the row path write the same bytes"
"$B" -source "$PG" -table "$Q" -path both -out "$W" >"$W/paths.txt"
[ "$(grep -oE 'sha256=[0-9a-f]+' "$W/paths.txt" | sort -u | wc -l)" = 1 ] || { cat "$W/paths.txt" >&2; die "the two paths wrote different CSV"; }

load_start=$(uptime)
start=$EPOCHREALTIME
n=${#NAMES[@]}
for ((rep = 1; rep <= REPS; rep++)); do
	say "round $rep of $REPS"
	for ((k = 0; k < n; k++)); do
		contender $(((k + rep - 1) % n)) "$rep"
	done
done
elapsed=$(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $start}")
load_end=$(uptime)

# --- report --------------------------------------------------------------
printf '%s\n' "${NAMES[@]}" >"$W/order.txt"
echo
echo "### facteur export on PostgreSQL: $ROWS rows, $REPS run(s) each"
echo
echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; $(psql "$PG" -XAtqc 'select version()' | cut -d, -f1);" \
	"$(go version | cut -d' ' -f3); table $table_mb MB; measured in $elapsed s."
echo
awk -F'\t' -v rows="$ROWS" -v small="$SMALL" '
	function sorted(s, a,   k, i, j, v) { # split s into a, sorted (insertion sort: mawk has no asort)
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) { v = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
		return k
	}
	function median(s,   a, k) { k = sorted(s, a); return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
	function lo(s,   a) { sorted(s, a); return a[1] }
	function hi(s,   a, k) { k = sorted(s, a); return a[k] }
	FNR == NR { order[++n] = $0; next }
	{
		w[$1] = w[$1] " " $4; c[$1] = c[$1] " " $6; r[$1] = $3
		if ($5 > rss[$1]) rss[$1] = $5
		if ($7 != "-") by[$1] = $7
		ld[$1] = ld[$1] " " $8 " " $9; bz[$1] = bz[$1] " " $10
	}
	END {
		lim = median(w["limit"]) / r["limit"]; cp = median(w["psql \\copy"]) / r["psql \\copy"]
		print "| contender | rows | median s (min–max) | rows/s | × limit | × psql \\copy | peak RSS MB | CPU s (client) | output MB |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= n; i++) {
			k = order[i]; m = median(w[k]); per = m / r[k]
			printf "| %s | %d | %.2f (%.2f–%.2f) | %.0f | %.2f | %.2f | %.1f | %.2f | %s |\n", k, r[k], m, lo(w[k]), hi(w[k]),
				r[k] / m, per / lim, per / cp, rss[k] / 1024, median(c[k]), (k in by) ? sprintf("%.0f", by[k] / 1048576) : "–"
		}
		print ""
		print "Memory flatness (peak RSS, MB):"
		print ""
		print "| format | at " small " rows | at " rows " rows | ratio |"
		print "|---|---:|---:|---:|"
		split("csv ndjson", fm, " ")
		for (j = 1; j <= 2; j++) {
			b = "facteur " fm[j]; s = b " @" small
			printf "| %s | %.1f | %.1f | %.2f |\n", fm[j], rss[s] / 1024, rss[b] / 1024, rss[b] / rss[s]
		}
		print ""
		print "Load (1-min load average before → after each run; machine busy = share of both CPUs busy during the run, all processes):"
		print ""
		print "| contender | load min–max | machine busy % median (min–max) |"
		print "|---|---:|---:|"
		for (i = 1; i <= n; i++) {
			k = order[i]
			printf "| %s | %.2f–%.2f | %.0f (%.0f–%.0f) |\n", k, lo(ld[k]), hi(ld[k]), median(bz[k]), lo(bz[k]), hi(bz[k])
		}
	}' "$W/order.txt" "$RESULTS"
echo
echo "Load before: $load_start"
echo "Load after:  $load_end"
echo
echo "COPY path vs row path (scripts/benchpaths, same bytes, sha-256 checked):"
echo
echo '```'
awk -F'\t' '$1 ~ /^path / {printf "%-10s rep %s  wall %6.2f s  client cpu %6.2f s  %s\n", $1, $2, $4, $6, $11}' "$RESULTS"
echo '```'
echo
echo "Per run (name, rep, rows, wall s, max RSS KB, CPU s, bytes, load before, load after, machine busy %, stages):"
echo
echo '```'
cat "$RESULTS"
echo '```'

if [ -n "${BENCH_PROFILE:-}" ]; then
	say "profiling the COPY path and the row path"
	"$B" -source "$PG" -table "$Q" -path both -out "$W" -cpuprofile "$W/cpu.pprof"
	for p in copy rows; do
		echo
		echo "CPU profile of the $p path (client side):"
		echo '```'
		go tool pprof -top -nodecount=25 "$B" "$W/cpu.pprof.$p" 2>/dev/null
		echo '```'
	done
fi
