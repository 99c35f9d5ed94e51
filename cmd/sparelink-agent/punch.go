package main

import (
	"github.com/pion/webrtc/v4"

	"github.com/sparelink/sparelink/relay/punch"
)

// punchConfig is the ICE setup of --punch: the broker's STUN server, if
// given, for server-reflexive candidates, on the household interfaces.
func punchConfig(stunServer string, interfaces []string) *punch.Config {
	cfg := &punch.Config{Interfaces: interfaces}
	if stunServer != "" {
		cfg.ICEServers = []webrtc.ICEServer{{URLs: []string{"stun:" + stunServer}}}
	}
	return cfg
}
