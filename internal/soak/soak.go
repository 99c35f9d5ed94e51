// Package soak holds the one switch between the short and the long forms
// of the reliability suites (internal/crashtest, internal/sim and the soak
// and flood tests of the exits): `make test` runs the short forms, `make
// soak` sets SPARELINK_SOAK=1 and runs the long ones. It is for tests
// only; it holds no test doubles and no harness.
package soak

import (
	"os"
	"strconv"
	"time"
)

// Env is the environment variable that selects the long forms.
const Env = "SPARELINK_SOAK"

// Long reports whether the long (soak) forms are asked for: Env holds a
// true value ("1", "true", ...).
func Long() bool {
	v, err := strconv.ParseBool(os.Getenv(Env))
	return err == nil && v
}

// N returns short in the short form and long in the long form.
func N(short, long int) int {
	if Long() {
		return long
	}
	return short
}

// Duration returns short in the short form and long in the long form.
func Duration(short, long time.Duration) time.Duration {
	if Long() {
		return long
	}
	return short
}
