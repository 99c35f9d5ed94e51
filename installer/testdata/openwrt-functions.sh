# A stand-in for the part of OpenWrt's /lib/functions.sh that the init
# and maintainer scripts use, for tests on machines without OpenWrt. Like
# the real one it reads a UCI file by running it as shell, with config,
# option and list defined as functions; UCI_CONFIG_DIR names the
# directory.
# shellcheck shell=sh disable=SC2034,SC2154

CONFIG_SECTION=""

config() {
	CONFIG_SECTION="${2:-$1}"
}

option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}

list() {
	eval "n=\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0}"
	n=$((n + 1))
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$n"
}

config_load() {
	# shellcheck disable=SC1090
	. "${UCI_CONFIG_DIR:-/etc/config}/$1"
}

config_get() {
	eval "$1=\${CONFIG_$2_$3:-\$4}"
}

config_get_bool() {
	config_get "$@"
	eval "v=\$$1"
	case "$v" in
	1 | on | true | yes | enabled) eval "$1=1" ;;
	0 | off | false | no | disabled) eval "$1=0" ;;
	*) eval "$1=\${4:-0}" ;;
	esac
}

config_list_foreach() {
	section="$1" opt="$2" fn="$3"
	shift 3
	eval "n=\${CONFIG_${section}_${opt}_LENGTH:-0}"
	i=1
	while [ "$i" -le "$n" ]; do
		eval "item=\$CONFIG_${section}_${opt}_ITEM$i"
		"$fn" "$item" "$@"
		i=$((i + 1))
	done
}

# The user and group helpers edit the account files of the system, or of
# the offline root named by IPKG_INSTROOT.
group_exists() {
	grep -qs "^$1:" "${IPKG_INSTROOT:-}/etc/group"
}

user_exists() {
	grep -qs "^$1:" "${IPKG_INSTROOT:-}/etc/passwd"
}

# group_add_next prints the ID of group $1, adding it with the first free
# ID from 65536 on when it does not exist.
group_add_next() {
	gid="$(grep -s "^$1:" "${IPKG_INSTROOT:-}/etc/group" | cut -d: -f3)"
	if [ -z "$gid" ]; then
		gid=65536
		while cut -d: -f3 "${IPKG_INSTROOT:-}/etc/group" | grep -qx "$gid"; do
			gid=$((gid + 1))
		done
		echo "$1:x:$gid:" >>"${IPKG_INSTROOT:-}/etc/group"
	fi
	echo "$gid"
}

# user_add NAME UID GID DESCRIPTION HOME SHELL
user_add() {
	[ -f "${IPKG_INSTROOT:-}/etc/passwd" ] || return 1
	echo "$1:x:$2:$3:$4:$5:$6" >>"${IPKG_INSTROOT:-}/etc/passwd"
	echo "$1:*:0:0:99999:7:::" >>"${IPKG_INSTROOT:-}/etc/shadow"
}
