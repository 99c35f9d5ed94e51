#!/bin/sh
# Installs the SpareLink agent or relay from a signed release: detects the
# system and CPU, fetches the right package (or takes it from a local
# release directory), checks SHA256SUMS against the release key and the
# package against SHA256SUMS, installs it with the system's package
# manager, and starts the service. docs/install.md explains every option.
#
#   sh install.sh --from ./dist                 # a release on disk
#   sh install.sh --url https://host/releases/v1.2.3
#   sh install.sh --uninstall --purge
set -eu

# The release's public key (minisign format). 'make release' writes it
# into the copy of this script it puts in the release.
RELEASE_PUBKEY=""

component=agent from="" url="" pubkey="" format="" start=1 action=install
purge=0 verify_sig=1 country="" broker=""
work="" state=/var/lib/sparelink

say() { printf 'sparelink: %s\n' "$*"; }
die() {
	printf 'sparelink: error: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
usage: install.sh [options]
  --from DIR             install from a release directory on disk (no network)
  --url URL              download from this release base URL
  --component NAME       agent (default) or relay
  --pubkey KEY|FILE      release public key (default: the one in this script)
  --format FMT           deb, rpm, apk, ipk or binary (default: detected)
  --country CC           write the ISO country code into the config
  --broker URL           write the broker URL into the config
  --no-start             install, but do not enable or start the service
  --uninstall            remove the component (keeps its data and config)
  --purge                with --uninstall: remove data, config and the user too
  --no-verify-signature  skip the signature check (checksums are still checked)
EOF
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--from) from="${2:?--from needs a directory}"; shift ;;
		--url) url="${2:?--url needs a URL}"; shift ;;
		--component) component="${2:?--component needs agent or relay}"; shift ;;
		--pubkey) pubkey="${2:?--pubkey needs a key}"; shift ;;
		--format) format="${2:?--format needs a format}"; shift ;;
		--country) country="${2:?--country needs a code}"; shift ;;
		--broker) broker="${2:?--broker needs a URL}"; shift ;;
		--no-start) start=0 ;;
		--uninstall) action=uninstall ;;
		--purge) purge=1 ;;
		--no-verify-signature) verify_sig=0 ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; die "unknown option $1" ;;
		esac
		shift
	done
	case "$component" in agent | relay) ;; *) die "--component must be agent or relay" ;; esac
	name="sparelink-$component"
}

# detect_arch prints the release's name for this CPU.
detect_arch() {
	case "$(uname -m)" in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	armv7* | armv8l) echo armv7 ;;
	armv6*) echo armv6 ;;
	mips) if [ "$(little_endian)" = 1 ]; then echo mipsle; else echo mips; fi ;;
	mipsel | mipsle) echo mipsle ;;
	*) die "unsupported CPU $(uname -m)" ;;
	esac
}

# little_endian prints 1 when this system's ELF binaries are little
# endian: 'uname -m' says "mips" for both byte orders.
little_endian() {
	dd if=/bin/sh bs=1 skip=5 count=1 2>/dev/null | od -An -tu1 | tr -d ' \n'
}

# detect_format picks the package manager; binary when there is none.
detect_format() {
	if command -v opkg >/dev/null 2>&1 && [ -f /etc/openwrt_release ]; then
		echo ipk
	elif command -v apk >/dev/null 2>&1 && [ -f /etc/alpine-release ]; then
		echo apk
	elif command -v dpkg >/dev/null 2>&1; then
		echo deb
	elif command -v rpm >/dev/null 2>&1; then
		echo rpm
	else
		echo binary
	fi
}

# init_system prints systemd, openrc, procd or none: what runs services.
init_system() {
	if [ -d /run/systemd/system ]; then
		echo systemd
	elif [ -f /etc/openwrt_release ] && [ -x /sbin/procd ]; then
		echo procd
	elif command -v rc-service >/dev/null 2>&1 && [ -d /run/openrc ]; then
		echo openrc
	else
		echo none
	fi
}

fetch() { # fetch URL FILE
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --proto '=https,http' -o "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1"
	elif command -v uclient-fetch >/dev/null 2>&1; then
		uclient-fetch -q -O "$2" "$1"
	else
		die "no curl, wget or uclient-fetch to download with"
	fi
}

# release_file prints the name, listed in SHA256SUMS, of the file for
# this component, format and CPU.
release_file() {
	if [ "$format" = binary ]; then
		pattern="^${name}_linux_${arch}\$"
	else
		pattern="^${name}_.*_${arch}\\.${format}\$"
	fi
	awk '{ sub(/^\*/, "", $2); print $2 }' "$dir/SHA256SUMS" | grep -E "$pattern" | head -n 1
}

# get_release leaves SHA256SUMS, its signature and the package in $dir.
get_release() {
	if [ -n "$from" ]; then
		dir="$from"
		[ -f "$dir/SHA256SUMS" ] || die "$dir/SHA256SUMS not found: --from needs a release directory"
	else
		[ -n "$url" ] || die "give --from DIR or --url URL"
		dir="$work"
		fetch "$url/SHA256SUMS" "$dir/SHA256SUMS" || die "cannot download $url/SHA256SUMS"
		fetch "$url/SHA256SUMS.minisig" "$dir/SHA256SUMS.minisig" || die "cannot download the signature"
	fi
	file="$(release_file)"
	[ -n "$file" ] || die "the release has no $format of $name for $arch"
	if [ -z "$from" ]; then
		fetch "$url/$file" "$dir/$file" || die "cannot download $file"
	fi
	[ -f "$dir/$file" ] || die "$dir/$file is listed in SHA256SUMS but missing"
}

# verify_signature checks SHA256SUMS against the release key: with
# minisign, else with an installed 'sparelink verify-release'.
verify_signature() {
	key="${pubkey:-$RELEASE_PUBKEY}"
	if [ "$verify_sig" = 0 ]; then
		say "WARNING: not checking the release signature (--no-verify-signature)"
		return
	fi
	[ -n "$key" ] || die "no release public key: pass --pubkey (the key file or its base64 line)"
	keyopt="-P"
	[ -f "$key" ] && keyopt="-p"
	if command -v minisign >/dev/null 2>&1; then
		minisign -V -q "$keyopt" "$key" -m "$dir/SHA256SUMS" -x "$dir/SHA256SUMS.minisig" ||
			die "SHA256SUMS is not signed by the release key"
	else
		verify_with_sparelink
	fi
	say "SHA256SUMS is signed by the release key"
}

verify_with_sparelink() {
	verifier="$(command -v sparelink || true)"
	if [ -z "$verifier" ] && [ -f "$dir/sparelink_linux_$arch" ]; then
		# The verifier comes from the release it checks, so it guards
		# against damage, not against a release swapped as a whole.
		say "WARNING: no minisign and no installed sparelink: checking with the release's own sparelink; install minisign for an independent check"
		check_sum "sparelink_linux_$arch"
		verifier="$work/sparelink-verify"
		cp "$dir/sparelink_linux_$arch" "$verifier"
		chmod 0755 "$verifier"
	fi
	[ -n "$verifier" ] || die "cannot check the signature: install minisign (or pass --no-verify-signature)"
	"$verifier" verify-release --pubkey "$key" --dir "$dir" --ignore-missing --require "$file" >/dev/null ||
		die "SHA256SUMS is not signed by the release key, or $file does not match it"
}

# check_sum compares one file with its line in SHA256SUMS.
check_sum() {
	want="$(awk -v f="$1" '{ n = $2; sub(/^\*/, "", n); if (n == f) print $1 }' "$dir/SHA256SUMS")"
	got="$(sha256sum "$dir/$1" | awk '{ print $1 }')"
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		die "$1 does not match SHA256SUMS"
	fi
}

install_package() {
	case "$format" in
	deb) dpkg -i "$dir/$file" >/dev/null ;;
	rpm) rpm -U --replacepkgs "$dir/$file" ;;
	apk) apk add --allow-untrusted "$dir/$file" ;;
	ipk) opkg install --force-reinstall "$dir/$file" ;;
	binary) install_binary ;;
	esac
}

# install_binary installs the bare binary, the user, the data directory,
# the default config and the systemd unit shipped in the release.
install_binary() {
	[ "$(init_system)" = systemd ] || [ "$start" = 0 ] || die "without a package manager only systemd systems are supported; use --no-start"
	install -m 0755 "$dir/$file" "/usr/local/bin/$name"
	add_user
	install -d -m 0755 "$state" /etc/sparelink
	install -d -m 0700 -o sparelink -g sparelink "$state/$component"
	for extra in "$name.service" "$name.json"; do
		check_sum "$extra"
	done
	[ -f "/etc/sparelink/$component.json" ] || install -m 0644 "$dir/$name.json" "/etc/sparelink/$component.json"
	sed "s#/usr/bin/$name#/usr/local/bin/$name#" "$dir/$name.service" >"/etc/systemd/system/$name.service"
}

add_user() {
	grep -q '^sparelink:' /etc/group || groupadd --system sparelink
	id -u sparelink >/dev/null 2>&1 ||
		useradd --system --gid sparelink --home-dir "$state" --no-create-home --shell /usr/sbin/nologin sparelink
}

# configure writes --country and --broker into the component's config.
configure() {
	if [ "$format" = ipk ] && [ "$component" = agent ]; then
		[ -z "$country" ] || uci set "sparelink.agent.country=$country"
		[ -z "$broker" ] || uci set "sparelink.agent.broker=$broker"
		[ -z "$country" ] || uci set sparelink.agent.enabled=1
		uci commit sparelink
		return
	fi
	conf="/etc/sparelink/$component.json"
	[ -z "$country" ] || sed -i "s#\"country\": \"[^\"]*\"#\"country\": \"$country\"#" "$conf"
	[ -z "$broker" ] || sed -i "s#\"broker\": \"[^\"]*\"#\"broker\": \"$broker\"#" "$conf"
}

start_service() {
	init="$(init_system)"
	if [ "$start" = 0 ] || [ "$init" = none ]; then
		if [ "$init" = none ] && [ "$start" = 1 ]; then
			say "no service manager is running: start $name yourself"
		fi
		return 0
	fi
	case "$init" in
	systemd) systemctl daemon-reload && systemctl enable --now "$name.service" ;;
	openrc) rc-update add "$name" default && rc-service "$name" start ;;
	procd) "/etc/init.d/$name" enable && "/etc/init.d/$name" start ;;
	esac || say "$name did not start: see its log, fix the config, then start it again"
}

next_steps() {
	run_as="sudo -u sparelink $name --config /etc/sparelink/$component.json"
	[ "$format" = ipk ] && run_as="/etc/init.d/$name"
	say "installed $file"
	if [ "$component" = agent ]; then
		say "1. pair this machine with your operator key:  $run_as pair <operator key>"
		say "2. set your country (and caps) in $( [ "$format" = ipk ] && echo /etc/config/sparelink || echo /etc/sparelink/agent.json ), then restart $name"
		say "3. dashboard: http://127.0.0.1:7465/ on this machine; its sign-in link:  $run_as dashboard"
	else
		say "1. put SPARELINK_OPERATOR_KEY=<operator key> in /etc/sparelink/relay.env"
		say "2. set country, listen and advertise in /etc/sparelink/relay.json, then restart $name"
	fi
}

do_install() {
	arch="$(detect_arch)"
	[ -n "$format" ] || format="$(detect_format)"
	say "installing $name for linux/$arch as $format"
	get_release
	verify_signature
	check_sum "$file"
	install_package
	configure
	start_service
	next_steps
}

# installed_format prints how the component was installed, if it is.
installed_format() {
	if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'ok installed'; then
		echo deb
	elif command -v opkg >/dev/null 2>&1 && opkg status "$name" 2>/dev/null | grep -q installed; then
		echo ipk
	elif command -v apk >/dev/null 2>&1 && apk info -e "$name" >/dev/null 2>&1; then
		echo apk
	elif command -v rpm >/dev/null 2>&1 && rpm -q "$name" >/dev/null 2>&1; then
		echo rpm
	elif [ -x "/usr/local/bin/$name" ]; then
		echo binary
	fi
}

do_uninstall() {
	f="$(installed_format)"
	[ -n "$f" ] || say "$name is not installed"
	case "$f" in
	deb) if [ "$purge" = 1 ]; then dpkg --purge "$name" >/dev/null; else dpkg -r "$name" >/dev/null; fi ;;
	rpm) rpm -e "$name" ;;
	apk) apk del "$name" ;;
	ipk) opkg remove "$name" ;;
	binary)
		if [ "$(init_system)" = systemd ]; then systemctl disable --now "$name.service" || true; fi
		rm -f "/usr/local/bin/$name" "/etc/systemd/system/$name.service"
		;;
	esac
	[ "$purge" = 1 ] && purge_data
	say "removed $name"
}

# purge_data deletes the component's data and config, and the user when
# no other SpareLink component is left.
purge_data() {
	rm -rf "${state:?}/$component" "/etc/sparelink/$component" "/etc/sparelink/$component.json"
	[ "$component" = relay ] && rm -f /etc/sparelink/relay.env
	[ "$component" = agent ] && rm -f /etc/config/sparelink /var/etc/sparelink/agent.json
	rmdir "$state" /etc/sparelink 2>/dev/null || true
	for other in sparelink-agent sparelink-relay; do
		[ -x "/usr/bin/$other" ] || [ -x "/usr/local/bin/$other" ] && return 0
	done
	if id -u sparelink >/dev/null 2>&1; then
		userdel sparelink 2>/dev/null || deluser sparelink 2>/dev/null || sed -i '/^sparelink:/d' /etc/passwd /etc/shadow
	fi
	if grep -q '^sparelink:' /etc/group; then
		groupdel sparelink 2>/dev/null || delgroup sparelink 2>/dev/null || sed -i '/^sparelink:/d' /etc/group
	fi
	say "removed the data directory, the config and the sparelink user"
}

main() {
	parse_args "$@"
	[ "$(uname -s)" = Linux ] || die "install.sh installs on Linux; elsewhere run the $name binary of the release for your system"
	[ "$(id -u)" = 0 ] || die "run as root"
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT INT TERM
	if [ "$action" = install ]; then do_install; else do_uninstall; fi
}

main "$@"
