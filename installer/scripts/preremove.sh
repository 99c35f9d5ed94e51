#!/bin/sh
# Runs before sparelink-@NAME@ is removed from a deb, rpm or apk package:
# stops and disables the service. An upgrade (deb: "upgrade", rpm: 1)
# leaves it running; postinstall restarts it.
name=@NAME@
case "$1" in
upgrade | 1) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
	systemctl disable --now "sparelink-$name.service" >/dev/null 2>&1 || true
elif command -v rc-service >/dev/null 2>&1; then
	rc-service "sparelink-$name" stop >/dev/null 2>&1 || true
	rc-update del "sparelink-$name" >/dev/null 2>&1 || true
fi
exit 0
