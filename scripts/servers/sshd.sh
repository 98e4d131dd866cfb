#!/usr/bin/env bash
# Starts a private OpenSSH server on a free loopback port for the SFTP tests
# (and installs openssh-server on Debian, as root, when it is missing), then
# prints the `export VAR=value` lines the tests read:
#
#   eval "$(scripts/servers/sshd.sh)"
#
# Everything lives in a cache directory outside the repository
# (${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test/sshd): config, host key, client
# key, password, pid and log. A second call reuses the running server and is
# fast. As root, sshd runs sessions as the user `facteurtest` (password and
# key login); as another user it can only log that user in, with the key
# (FACTEUR_TEST_SFTP_PASSWORD is then empty).
#
# Exports: FACTEUR_TEST_SFTP_ADDR (127.0.0.1:PORT), FACTEUR_TEST_SFTP_USER,
# FACTEUR_TEST_SFTP_PASSWORD, FACTEUR_TEST_SFTP_KEY (client private key file),
# FACTEUR_TEST_SFTP_HOSTKEY (the server's public host key line),
# FACTEUR_TEST_SFTP_DIR (a writable directory), FACTEUR_TEST_SFTP_RODIR (a
# directory the user cannot write to).
set -euo pipefail

die() { printf 'sshd.sh: %s\n' "$*" >&2; exit 1; }

dir="${XDG_CACHE_HOME:-$HOME/.cache}/facteur-test/sshd"
sshd=/usr/sbin/sshd
mkdir -p "$dir"
chmod 700 "$dir"

if [ ! -x "$sshd" ] || ! command -v ssh-keygen >/dev/null; then
	[ "$(id -u)" = 0 ] || die "OpenSSH server is not installed; run as root or: apt-get install openssh-server"
	command -v apt-get >/dev/null || die "no apt-get to install openssh-server"
	{
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client
	} >&2 || die "apt-get install openssh-server failed"
fi

# Who logs in, and where files go.
if [ "$(id -u)" = 0 ]; then
	user=facteurtest
	id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user"
	home=$(getent passwd "$user" | cut -d: -f6)
	[ -s "$dir/password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password")
	password=$(cat "$dir/password")
	# Set it every time: cheap, and repairs a user created by an older run.
	echo "$user:$password" | chpasswd
	mkdir -p /run/sshd
	base=$home
else
	user=$(id -un)
	password=""
	base=$dir/files
fi
drop=$base/drop
ro=$base/ro
mkdir -p "$drop" "$ro"
if [ "$(id -u)" = 0 ]; then
	chown "$user:" "$drop"
	chown root:root "$ro"
	chmod 755 "$ro"
else
	chmod 555 "$ro"
fi

# Keys: the server's host key and a client key allowed to log in.
[ -s "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C facteur-test-host -f "$dir/ssh_host_ed25519_key"
[ -s "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C facteur-test-client -f "$dir/client_ed25519"
cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
keys_file=$dir/authorized_keys
if [ "$(id -u)" = 0 ]; then
	# sshd reads the file as the user, who cannot enter root's home.
	mkdir -p "$home/.ssh"
	cp "$dir/client_ed25519.pub" "$home/.ssh/authorized_keys"
	chown -R "$user:" "$home/.ssh"
	chmod 700 "$home/.ssh"
	chmod 600 "$home/.ssh/authorized_keys"
	keys_file=$home/.ssh/authorized_keys
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[ -s "$dir/sshd.pid" ] && [ -s "$dir/port" ] || return 1
	local pid; pid=$(cat "$dir/sshd.pid")
	kill -0 "$pid" 2>/dev/null || return 1
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null || echo "$sshd")" = "$sshd" ] || return 1
	port_open "$(cat "$dir/port")"
}

if ! running; then
	rm -f "$dir/sshd.pid"
	port=""
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		port_open "$p" || { port=$p; break; }
	done
	[ -n "$port" ] || die "no free port found"
	cat >"$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $keys_file
AllowUsers $user
PermitRootLogin no
UsePAM no
StrictModes no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
Subsystem sftp internal-sftp
# The tests open many connections at once.
MaxStartups 200
MaxSessions 50
MaxAuthTries 10
LoginGraceTime 30
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
LogLevel INFO
EOF
	# Newer OpenSSH throttles sources that fail to log in; the tests do on purpose.
	if "$sshd" -t -f "$dir/sshd_config" -o PerSourcePenalties=no >/dev/null 2>&1; then
		echo "PerSourcePenalties no" >>"$dir/sshd_config"
	fi
	"$sshd" -t -f "$dir/sshd_config" || die "invalid sshd config $dir/sshd_config"
	echo "$port" >"$dir/port"
	"$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log" || die "sshd did not start; see $dir/sshd.log"
	for _ in $(seq 1 50); do
		port_open "$port" && break
		sleep 0.1
	done
	port_open "$port" || die "sshd does not answer on 127.0.0.1:$port; see $dir/sshd.log"
fi
port=$(cat "$dir/port")

q() { printf '%q' "$1"; }
echo "export FACTEUR_TEST_SFTP_ADDR=127.0.0.1:$port"
echo "export FACTEUR_TEST_SFTP_USER=$(q "$user")"
echo "export FACTEUR_TEST_SFTP_PASSWORD=$(q "$password")"
echo "export FACTEUR_TEST_SFTP_KEY=$(q "$dir/client_ed25519")"
echo "export FACTEUR_TEST_SFTP_HOSTKEY=$(q "$(cat "$dir/ssh_host_ed25519_key.pub")")"
echo "export FACTEUR_TEST_SFTP_DIR=$(q "$drop")"
echo "export FACTEUR_TEST_SFTP_RODIR=$(q "$ro")"
