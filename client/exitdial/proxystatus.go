package exitdial

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadProxyStatus means a Proxy-Status field is not a well-formed
// structured-field list (RFC 8941) or its error parameter is not a token.
var ErrBadProxyStatus = errors.New("malformed Proxy-Status field")

// maxProxyStatus bounds the field length the parser looks at.
const maxProxyStatus = 8 << 10

// ParseProxyStatus reads an RFC 9209 Proxy-Status field value and returns
// the error type and details of the first member that carries an error
// parameter: the intermediary closest to the destination that failed. Both
// are empty when no member reports an error.
func ParseProxyStatus(v string) (errorType, details string, err error) {
	if len(v) > maxProxyStatus {
		return "", "", fmt.Errorf("%w: longer than %d bytes", ErrBadProxyStatus, maxProxyStatus)
	}
	members, err := (&sfParser{s: v}).list()
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrBadProxyStatus, err)
	}
	for _, params := range members {
		e, ok := params["error"]
		if !ok {
			continue
		}
		if e.kind != kindToken {
			return "", "", fmt.Errorf("%w: error parameter is not a token", ErrBadProxyStatus)
		}
		if d, ok := params["details"]; ok && d.kind == kindString {
			details = d.s
		}
		return e.s, details, nil
	}
	return "", "", nil
}

// Kinds of bare items; only tokens and strings are kept verbatim.
const (
	kindOther = iota
	kindToken
	kindString
)

type bareItem struct {
	kind int
	s    string
}

// sfParser parses the subset of RFC 8941 a list needs: items, inner
// lists, parameters and every bare item type of that RFC.
type sfParser struct {
	s string
	i int
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) done() bool { return p.i >= len(p.s) }

func (p *sfParser) skip(set string) {
	for !p.done() && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// list parses a whole field as a list and returns each member's
// parameters.
func (p *sfParser) list() ([]map[string]bareItem, error) {
	var out []map[string]bareItem
	p.skip(" ")
	for !p.done() {
		params, err := p.member()
		if err != nil {
			return nil, err
		}
		out = append(out, params)
		p.skip(" \t")
		if p.done() {
			return out, nil
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("want ',' at offset %d", p.i)
		}
		p.i++
		p.skip(" \t")
		if p.done() {
			return nil, errors.New("trailing comma")
		}
	}
	return out, nil
}

// member parses an item or an inner list with its parameters.
func (p *sfParser) member() (map[string]bareItem, error) {
	if p.peek() != '(' {
		if _, err := p.bareItem(); err != nil {
			return nil, err
		}
		return p.params()
	}
	p.i++
	for {
		p.skip(" ")
		if p.peek() == ')' {
			p.i++
			return p.params()
		}
		if _, err := p.bareItem(); err != nil {
			return nil, err
		}
		if _, err := p.params(); err != nil {
			return nil, err
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, fmt.Errorf("bad inner list at offset %d", p.i)
		}
	}
}

// params parses ";key[=value]" pairs. A repeated key keeps its last value,
// as RFC 8941 requires.
func (p *sfParser) params() (map[string]bareItem, error) {
	out := make(map[string]bareItem)
	for p.peek() == ';' {
		p.i++
		p.skip(" ")
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		val := bareItem{kind: kindOther, s: "?1"}
		if p.peek() == '=' {
			p.i++
			if val, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		out[key] = val
	}
	return out, nil
}
