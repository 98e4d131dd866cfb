#!/usr/bin/env bash
# Runs Facteur's whole test suite against real servers. It starts (and, as
# root on Debian, installs) what is missing: PostgreSQL, MariaDB, OpenSSH's
# sshd, the versitygw S3 gateway and fake-gcs-server (built once with go install, cached). It fails
# loudly when a server cannot be had; it never skips one silently.
#
# Environment:
#   FACTEUR_TEST_POSTGRES  PostgreSQL URL of a database the tests may create
#                          databases and tables in (default: the local server)
#   FACTEUR_TEST_MYSQL     MariaDB/MySQL URL, likewise
#   FACTEUR_TEST_SFTP_ADDR, FACTEUR_TEST_S3_ENDPOINT, FACTEUR_TEST_GCS_ENDPOINT, FACTEUR_TEST_CHROMIUM,
#   FACTEUR_TEST_LIBREOFFICE, FACTEUR_TEST_AXE, FACTEUR_TEST_VNU  set to "skip" to skip those
#                          servers; otherwise scripts/servers/*.sh start them
#   GOTESTFLAGS            extra flags for go test (e.g. "-run TestCalendar -v")
set -euo pipefail
cd "$(dirname "$0")/.."

export FACTEUR_TEST_POSTGRES="${FACTEUR_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export FACTEUR_TEST_MYSQL="${FACTEUR_TEST_MYSQL:-mysql://root@127.0.0.1:3306/test}"

say() { printf '\n== %s\n' "$*"; }
die() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }

apt_install() {
	[ "$(id -u)" = 0 ] || die "cannot install $* without root; install it or set the FACTEUR_TEST_* variables"
	command -v apt-get >/dev/null || die "cannot install $*: no apt-get on this machine"
	if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_ok() { psql "$FACTEUR_TEST_POSTGRES" -Atqc 'select 1' >/dev/null 2>&1; }

ensure_postgres() {
	command -v psql >/dev/null || apt_install postgresql postgresql-client
	pg_ok && return 0
	if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
		local v; v=$(ls /etc/postgresql | sort -V | tail -1)
		[ -n "$v" ] || apt_install postgresql
		v=$(ls /etc/postgresql | sort -V | tail -1)
		pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
	else
		apt_install postgresql
		local v; v=$(ls /etc/postgresql | sort -V | tail -1)
		pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
	fi
	for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	if ! pg_ok && [ "$(id -u)" = 0 ]; then
		# A fresh Debian cluster wants a password over TCP: trust loopback for the tests.
		local hba; hba=$(su postgres -c "psql -Atqc 'show hba_file'")
		grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
		su postgres -c "psql -qc 'select pg_reload_conf()'" >/dev/null
		su postgres -c "psql -Atqc \"select 1 from pg_database where datname='test'\"" | grep -q 1 || su postgres -c "createdb test"
	fi
	pg_ok || die "PostgreSQL is not reachable at $FACTEUR_TEST_POSTGRES"
}

my_ok() {
	local hostport=${FACTEUR_TEST_MYSQL#mysql://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
	mysql -h "${hostport%:*}" -P "${hostport#*:}" -u root -e 'select 1' test >/dev/null 2>&1
}

ensure_mariadb() {
	command -v mysql >/dev/null || apt_install mariadb-server mariadb-client
	my_ok && return 0
	[ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
	mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
	start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
	for _ in $(seq 1 30); do mysqladmin ping >/dev/null 2>&1 && break; sleep 1; done
	if ! my_ok && [ "$(id -u)" = 0 ]; then
		# A fresh MariaDB lets root in by socket only: allow the tests in over TCP.
		mysql -e "CREATE DATABASE IF NOT EXISTS test; ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" || true
	fi
	my_ok || die "MariaDB is not reachable at $FACTEUR_TEST_MYSQL"
}

say "servers"
if [ "$FACTEUR_TEST_POSTGRES" != skip ]; then ensure_postgres; echo "PostgreSQL: $(psql "$FACTEUR_TEST_POSTGRES" -Atqc 'show server_version')"; else echo "PostgreSQL tests SKIPPED (FACTEUR_TEST_POSTGRES=skip)"; fi
if [ "$FACTEUR_TEST_MYSQL" != skip ]; then ensure_mariadb; echo "MariaDB: up"; else echo "MariaDB tests SKIPPED (FACTEUR_TEST_MYSQL=skip)"; fi

# SFTP: a private OpenSSH sshd; S3: versitygw (built once, cached outside the repo).
if [ "${FACTEUR_TEST_SFTP_ADDR:-}" != skip ]; then eval "$(scripts/servers/sshd.sh)"; echo "SFTP: $FACTEUR_TEST_SFTP_ADDR"; else echo "SFTP tests SKIPPED (FACTEUR_TEST_SFTP_ADDR=skip)"; fi
if [ "${FACTEUR_TEST_S3_ENDPOINT:-}" != skip ]; then eval "$(scripts/servers/versitygw.sh)"; echo "S3: $FACTEUR_TEST_S3_ENDPOINT"; else echo "S3 tests SKIPPED (FACTEUR_TEST_S3_ENDPOINT=skip)"; fi
if [ "${FACTEUR_TEST_GCS_ENDPOINT:-}" != skip ]; then eval "$(scripts/servers/fake-gcs.sh)"; echo "Cloud Storage: $FACTEUR_TEST_GCS_ENDPOINT"; else unset FACTEUR_TEST_GCS_ENDPOINT; echo "Cloud Storage: fake-gcs-server inside the tests (the 200 MB memory test is SKIPPED)"; fi

# The browser tests drive Debian's Chromium (installed once).
if [ "${FACTEUR_TEST_CHROMIUM:-}" != skip ]; then
	[ -x "${FACTEUR_TEST_CHROMIUM:-/usr/bin/chromium}" ] || apt_install chromium
	echo "Chromium: $("${FACTEUR_TEST_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null)"
else
	echo "Browser tests SKIPPED (FACTEUR_TEST_CHROMIUM=skip)"
fi

# The referees from the npm registry (axe-core, DuckDB, the Nu Html
# Checker) live in one cache folder outside the repository. They are
# installed together, pinned, whenever one is missing: npm removes from a
# folder the packages its package.json does not list.
referees="${XDG_CACHE_HOME:-$HOME/.cache}/facteur-referees"
install_referees() {
	command -v npm >/dev/null || apt_install npm
	mkdir -p "$referees" && (cd "$referees" && npm install --silent --no-audit --no-fund \
		axe-core@4.14 @duckdb/node-api@1.5.6-r.1 vnu-jar@26.9.27 >/dev/null) || die "cannot install $1 from the npm registry"
}

# axe-core, the accessibility checker the browser tests inject.
if [ "${FACTEUR_TEST_CHROMIUM:-}" != skip ] && [ "${FACTEUR_TEST_AXE:-}" != skip ] && [ -z "${FACTEUR_TEST_AXE:-}" ]; then
	[ -f "$referees/node_modules/axe-core/axe.min.js" ] || install_referees axe-core
	export FACTEUR_TEST_AXE="$referees/node_modules/axe-core/axe.min.js"
	echo "axe-core: $FACTEUR_TEST_AXE"
fi

# DuckDB, the independent reader of the Parquet files, from the npm package
# @duckdb/node-api, installed once into the same cache folder and run by node.
if [ "${FACTEUR_TEST_DUCKDB:-}" != skip ]; then
	[ -f "$referees/node_modules/@duckdb/node-api/package.json" ] || install_referees @duckdb/node-api
	export FACTEUR_TEST_DUCKDB="${FACTEUR_TEST_DUCKDB:-$referees/node_modules}"
	echo "DuckDB: $FACTEUR_TEST_DUCKDB/@duckdb/node-api"
else
	echo "DuckDB (Parquet reader) tests SKIPPED (FACTEUR_TEST_DUCKDB=skip)"
fi

# An independent reader of the XLSX files: LibreOffice (installed once).
if [ "${FACTEUR_TEST_LIBREOFFICE:-}" != skip ]; then
	[ -x "${FACTEUR_TEST_LIBREOFFICE:-/usr/bin/soffice}" ] || apt_install libreoffice-calc
	echo "LibreOffice: $("${FACTEUR_TEST_LIBREOFFICE:-/usr/bin/soffice}" --version 2>/dev/null | head -1)"
else
	echo "LibreOffice test SKIPPED (FACTEUR_TEST_LIBREOFFICE=skip)"
fi

# An independent reader of XLSX cells as pandas reads them: openpyxl, from
# Debian (called as /usr/bin/python3: a pyenv python3 may not have it).
if [ "${FACTEUR_TEST_OPENPYXL:-}" != skip ]; then
	/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || apt_install python3 python3-openpyxl
	echo "openpyxl: $(/usr/bin/python3 -c 'import openpyxl; print(openpyxl.__version__)')"
else
	echo "openpyxl tests SKIPPED (FACTEUR_TEST_OPENPYXL=skip)"
fi

# The independent readers of XML (xmllint, from Debian's libxml2-utils) and
# of HTML's validity (the Nu Html Checker: vnu.jar from the npm package
# vnu-jar, in the same cache as axe-core, run with Java 17 or later).
command -v xmllint >/dev/null || apt_install libxml2-utils
if [ "${FACTEUR_TEST_VNU:-}" != skip ] && [ -z "${FACTEUR_TEST_VNU:-}" ]; then
	[ -f "$referees/node_modules/vnu-jar/build/dist/vnu.jar" ] || install_referees vnu-jar
	command -v java >/dev/null || apt_install default-jre-headless
	export FACTEUR_TEST_VNU="$referees/node_modules/vnu-jar/build/dist/vnu.jar"
	echo "Nu Html Checker: $FACTEUR_TEST_VNU"
fi
# The independent decrypters of encrypted files (C2): age -d (and
# age-keygen for the partner's identity) and gpg --decrypt.
command -v age >/dev/null || apt_install age
command -v gpg >/dev/null || apt_install gnupg
echo "age: $(age --version), $(gpg --version | head -1)"
# Independent readers of PDF and PNG files: poppler's pdftotext, pdfinfo and
# pdfimages, and Pillow (called as /usr/bin/python3, like openpyxl).
command -v pdftotext >/dev/null || apt_install poppler-utils
/usr/bin/python3 -c 'import PIL' 2>/dev/null || apt_install python3 python3-pil

# The referees of per-field obfuscation: OpenSSL computes the HMAC, unzip
# lays an XLSX's parts bare to look for clear values.
command -v openssl >/dev/null || apt_install openssl
command -v unzip >/dev/null || apt_install unzip

# The benchmark's SQLite baseline, run small by its test: the sqlite3 shell.
command -v sqlite3 >/dev/null || apt_install sqlite3

say "gofmt, go vet and staticcheck"
unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"
go vet ./...
# staticcheck, pinned, installed once into the Go bin directory.
staticcheck=$(go env GOPATH)/bin/staticcheck
if ! "$staticcheck" -version 2>/dev/null | grep -qF '(0.8.2)'; then
	GOFLAGS= go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck" ./...

say "go test"
# shellcheck disable=SC2086
go test -count=1 -timeout 20m ${GOTESTFLAGS:-} ./...
