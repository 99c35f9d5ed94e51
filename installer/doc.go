// Package installer holds what puts SpareLink on a machine, as files
// rather than Go: install.sh, the systemd units, the OpenRC and OpenWrt
// procd services with the UCI config, the default configs and the
// packages' maintainer scripts. installer/packaging builds the packages
// from them and installer/cmd holds the release tools.
//
// The package has no code of its own; its tests check the files with the
// real tools (shellcheck, systemd-analyze, the agent binary itself) and
// run install.sh end to end on a locally built package.
package installer
