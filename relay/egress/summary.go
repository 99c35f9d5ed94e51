package egress

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary describes the policy in one line for node listings: the refused
// address classes, the ports that are closed (or, in web-only mode, open)
// and how many owner rules there are. It never lists the rules
// themselves, which may name the owner's own networks.
func (p *Policy) Summary() string {
	var b strings.Builder
	b.WriteString("deny: ")
	for i, reason := range builtinReasons {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(reason))
	}
	b.WriteString("; ")
	b.WriteString(p.portSummary())
	fmt.Fprintf(&b, "; %s, %s",
		ruleCount(p.allow, "allow rule", false), ruleCount(p.deny, "deny rule", p.denyAll))
	return b.String()
}

// portSummary says which ports are closed, or which are open when most
// are closed (web-only mode or wide "*:" Deny ranges).
func (p *Policy) portSummary() string {
	closed, n := p.closed.describe(true)
	open, _ := p.closed.describe(false)
	switch {
	case n == 0:
		return "no ports closed"
	case open == "":
		return "no ports open"
	case p.webOnly:
		return "web only: ports " + open + " open"
	case n > 65535/2:
		return "only ports " + open + " open"
	}
	return "ports " + closed + " closed"
}

// ruleCount gives "2 allow rules" or "3 deny rules (1 by name, all else
// denied)".
func ruleCount(rules []Rule, noun string, all bool) string {
	s := strconv.Itoa(len(rules)) + " " + noun
	if len(rules) != 1 {
		s += "s"
	}
	var notes []string
	if names := countNames(rules); names > 0 {
		notes = append(notes, strconv.Itoa(names)+" by name")
	}
	if all {
		notes = append(notes, "all else denied")
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

func countNames(rules []Rule) int {
	n := 0
	for _, r := range rules {
		if r.Domain != "" {
			n++
		}
	}
	return n
}
