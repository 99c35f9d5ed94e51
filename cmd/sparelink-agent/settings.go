package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sparelink/sparelink/agent/owner"
)

// settingFlags are the owner's settings as flags of the daemon, named as
// 'sparelink-agent set' names them.
type settingFlags struct {
	fs     *pflag.FlagSet
	values map[string]func() string
}

func ownerFlags(fs *pflag.FlagSet) settingFlags {
	sf := settingFlags{fs: fs, values: make(map[string]func() string)}
	for _, name := range owner.Names() {
		help := owner.Help(name) + " (owner setting)"
		switch {
		case name == "paused":
			continue // pausing is a command, not a start option
		case name == "egress-allow" || name == "egress-deny":
			// Repeatable, as the relay's: --egress-allow a --egress-allow b.
			v := fs.StringSlice(name, nil, help)
			sf.values[name] = func() string { return strings.Join(*v, ",") }
		default:
			v := fs.String(name, "", help)
			if owner.Switch(name) {
				fs.Lookup(name).NoOptDefVal = "on"
			}
			sf.values[name] = func() string { return *v }
		}
	}
	return sf
}

// override checks the settings given on the command line, in the
// environment or in the config file, and returns the function that
// applies them over the stored settings.
func (sf settingFlags) override() (func(*owner.Settings), error) {
	var changed [][2]string
	for _, name := range applyOrder() {
		value, ok := sf.values[name]
		if !ok || !sf.fs.Changed(name) {
			continue
		}
		var scratch owner.Settings
		if err := owner.Set(&scratch, name, value()); err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
		changed = append(changed, [2]string{name, value()})
	}
	return func(s *owner.Settings) {
		for _, c := range changed {
			// Checked above; a combination that is invalid as a whole
			// fails when the agent validates the result.
			_ = owner.Set(s, c[0], c[1])
		}
	}, nil
}

// applyOrder puts max-rate, which sets both directions, before max-up and
// max-down, so that those refine it.
func applyOrder() []string {
	names := []string{"max-rate"}
	for _, n := range owner.Names() {
		if n != "max-rate" {
			names = append(names, n)
		}
	}
	return names
}
