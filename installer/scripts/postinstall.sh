#!/bin/sh
# Runs after sparelink-@NAME@ is installed or upgraded from a deb, rpm or
# apk package: creates the unprivileged 'sparelink' user and the data
# directory, and restarts the service if it was running. It does not
# start a new install: the service needs its config first (see
# /etc/sparelink/@NAME@.json and docs/install.md).
set -e
name=@NAME@
user=sparelink
state=/var/lib/sparelink

nologin() {
	for s in /usr/sbin/nologin /sbin/nologin; do
		[ -x "$s" ] && { echo "$s"; return; }
	done
	echo /bin/false
}

if ! grep -q "^$user:" /etc/group; then
	if command -v groupadd >/dev/null 2>&1; then
		groupadd --system "$user"
	else
		addgroup -S "$user"
	fi
fi
if ! id -u "$user" >/dev/null 2>&1; then
	if command -v useradd >/dev/null 2>&1; then
		useradd --system --gid "$user" --home-dir "$state" --no-create-home \
			--shell "$(nologin)" --comment "SpareLink" "$user"
	else
		adduser -S -D -H -h "$state" -s "$(nologin)" -G "$user" -g SpareLink "$user"
	fi
fi

install -d -m 0755 "$state"
install -d -m 0700 -o "$user" -g "$user" "$state/$name"
if [ -f /etc/sparelink/relay.env ]; then
	chown "root:$user" /etc/sparelink/relay.env
	chmod 0640 /etc/sparelink/relay.env
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart "sparelink-$name.service" || true
elif command -v rc-service >/dev/null 2>&1; then
	if rc-service "sparelink-$name" status >/dev/null 2>&1; then
		rc-service "sparelink-$name" restart || true
	fi
fi
echo "sparelink-$name: configure /etc/sparelink/$name.json, then enable and start sparelink-$name"
