#!/usr/bin/env bash
# Is the machine steady? Runs the server's own COPY of a 5,000,000-row
# table to /dev/null N times (default 8) and prints, for each, its wall
# time, the CPU time of the PostgreSQL backend that did it (from /proc, so
# PostgreSQL must run on this machine) and the time of a fixed piece of
# CPU work right after it (SHA-256 of 200 MB). When the backend's CPU time
# follows its wall time and moves with the fixed work, the same
# instructions took longer: the machine was slower, not the code.
#
#   bench/steadiness.sh [postgres-url]      (N=20 bench/steadiness.sh …)
set -euo pipefail
PG="${1:-${FACTEUR_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}}"
N="${N:-8}"
T="steadiness_$$"
trap 'psql "$PG" -qXc "drop table if exists $T" >/dev/null 2>&1 || true' EXIT
psql "$PG" -qXc "create table $T as select g as id, substr(md5(g::text), 1, 16) as code,
	'user' || g || '@example.org' as email, timestamptz '2024-01-01' + g * interval '1 second' as created_at,
	(g % 100000) / 100.0::numeric(12,2) as amount, g % 2 = 0 as active,
	case when g % 10 = 0 then null else repeat('note ', 14) end as note from generate_series(1, 5000000) g"
psql "$PG" -qXc "vacuum analyze $T"
tck=$(getconf CLK_TCK)
for _ in $(seq 1 "$N"); do
	out=$(psql "$PG" -XAtq <<SQL
select pg_backend_pid() as pid \gset
\setenv STEADY_PID :pid
\! awk '{print \$14 + \$15}' /proc/\$STEADY_PID/stat
\! date +%s.%N
COPY (SELECT * FROM $T) TO '/dev/null' (FORMAT csv);
\! date +%s.%N
\! awk '{print \$14 + \$15}' /proc/\$STEADY_PID/stat
SQL
	)
	read -r cpu0 t0 t1 cpu1 <<<"$(echo $out)"
	p0=$(date +%s%N)
	head -c 200M /dev/zero | sha256sum >/dev/null
	p1=$(date +%s%N)
	awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v tck="$tck" -v p=$(((p1 - p0) / 1000000)) \
		'BEGIN { printf "COPY wall %.2f s, backend CPU %.2f s; fixed work %d ms\n", t1 - t0, (c1 - c0) / tck, p }'
done
