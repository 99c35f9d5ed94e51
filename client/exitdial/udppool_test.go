package exitdial

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

func TestPoolDialUDP(t *testing.T) {
	fastHandshake(t)
	o := newUDPOrigin(t)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	tests := []struct {
		name  string
		exits func(t *testing.T) []Exit
		kill  *quicexittest.Server // closed before dialling
		want  []string             // exits carrying consecutive flows
	}{
		{"round robin", func(t *testing.T) []Exit { return []Exit{exitOf(t, a), exitOf(t, b)} }, nil,
			[]string{a.NodeID(), b.NodeID(), a.NodeID()}},
		{"skips exit without udp", func(t *testing.T) []Exit { return []Exit{startPlainExit(t), exitOf(t, b)} }, nil,
			[]string{b.NodeID(), b.NodeID(), b.NodeID()}},
		{"fails over", func(t *testing.T) []Exit { return []Exit{exitOf(t, a), exitOf(t, b)} }, a,
			[]string{b.NodeID(), b.NodeID(), b.NodeID()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, tt.exits(t)...)
			if tt.kill != nil {
				tt.kill.Exit.Close()
			}
			var got []string
			for range tt.want {
				c, err := p.DialUDP(context.Background(), o.addr())
				if err != nil {
					t.Fatalf("DialUDP: %v", err)
				}
				if ans := ask(t, c, "hi"); ans != answerPrefix+"hi" {
					t.Errorf("answer: got %q, want %q", ans, answerPrefix+"hi")
				}
				got = append(got, c.ExitNodeID())
				c.Close()
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("exits used: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPoolDialUDPNoExit(t *testing.T) {
	tests := []struct {
		name  string
		exits func(t *testing.T) []Exit
		want  error
	}{
		{"empty", func(*testing.T) []Exit { return nil }, ErrNoExit},
		{"only exits without udp", func(t *testing.T) []Exit { return []Exit{startPlainExit(t)} }, ErrNoUDP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, tt.exits(t)...)
			_, err := p.DialUDP(context.Background(), "192.0.2.1:53")
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrNoExit) {
				t.Errorf("DialUDP: got %v, want ErrNoExit and %v", err, tt.want)
			}
		})
	}
	p := newPool(t)
	p.Close()
	if _, err := p.DialUDP(context.Background(), "192.0.2.1:53"); !errors.Is(err, ErrClosed) {
		t.Errorf("DialUDP after Close: got %v, want ErrClosed", err)
	}
}
