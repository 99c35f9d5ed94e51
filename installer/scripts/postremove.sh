#!/bin/sh
# Runs after sparelink-@NAME@ is removed from a deb, rpm or apk package.
# A Debian purge also deletes the data directory, node key included; the
# 'sparelink' user stays, as Debian's policy asks (install.sh --purge
# removes it).
name=@NAME@
if [ "$1" = purge ]; then
	rm -rf "/var/lib/sparelink/$name"
	rmdir /var/lib/sparelink /etc/sparelink 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
