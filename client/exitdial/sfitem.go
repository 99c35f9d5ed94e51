package exitdial

import (
	"errors"
	"fmt"
	"strings"
)

// bareItem parses one bare item of any RFC 8941 type.
func (p *sfParser) bareItem() (bareItem, error) {
	c := p.peek()
	switch {
	case c == '-' || isDigit(c):
		return p.number()
	case c == '"':
		return p.str()
	case c == ':':
		return p.byteSeq()
	case c == '?':
		return p.boolean()
	case isAlpha(c) || c == '*':
		return p.token(), nil
	}
	return bareItem{}, fmt.Errorf("bad item at offset %d", p.i)
}

// key parses a parameter key: lcalpha or '*', then lcalpha, digits, "_-.*".
func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !(c >= 'a' && c <= 'z') && c != '*' {
		return "", fmt.Errorf("bad key at offset %d", p.i)
	}
	for !p.done() {
		c := p.s[p.i]
		if !(c >= 'a' && c <= 'z') && !isDigit(c) && !strings.ContainsRune("_-.*", rune(c)) {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) token() bareItem {
	start := p.i
	p.i++
	for !p.done() && (isTchar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
		p.i++
	}
	return bareItem{kind: kindToken, s: p.s[start:p.i]}
}

func (p *sfParser) str() (bareItem, error) {
	p.i++ // opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return bareItem{kind: kindString, s: b.String()}, nil
		case c == '\\':
			if n := p.peek(); n != '"' && n != '\\' {
				return bareItem{}, fmt.Errorf("bad escape at offset %d", p.i)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c < 0x20 || c > 0x7e:
			return bareItem{}, fmt.Errorf("bad string byte at offset %d", p.i-1)
		default:
			b.WriteByte(c)
		}
	}
	return bareItem{}, errors.New("unterminated string")
}

// number parses an integer (up to 15 digits) or a decimal (up to 12
// integer and 3 fractional digits).
func (p *sfParser) number() (bareItem, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	intDigits, fracDigits, dot := 0, 0, false
	for !p.done() {
		c := p.s[p.i]
		if c == '.' && !dot && intDigits > 0 {
			dot = true
		} else if !isDigit(c) {
			break
		} else if dot {
			fracDigits++
		} else {
			intDigits++
		}
		p.i++
	}
	bad := intDigits == 0 || intDigits > 15 ||
		dot && (intDigits > 12 || fracDigits == 0 || fracDigits > 3)
	if bad {
		return bareItem{}, fmt.Errorf("bad number at offset %d", start)
	}
	return bareItem{s: p.s[start:p.i]}, nil
}

func (p *sfParser) byteSeq() (bareItem, error) {
	start := p.i
	p.i++
	for !p.done() && p.s[p.i] != ':' {
		c := p.s[p.i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			return bareItem{}, fmt.Errorf("bad byte sequence at offset %d", p.i)
		}
		p.i++
	}
	if p.done() {
		return bareItem{}, errors.New("unterminated byte sequence")
	}
	p.i++
	return bareItem{s: p.s[start:p.i]}, nil
}

func (p *sfParser) boolean() (bareItem, error) {
	if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
		p.i += 2
		return bareItem{s: p.s[p.i-2 : p.i]}, nil
	}
	return bareItem{}, fmt.Errorf("bad boolean at offset %d", p.i)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isTchar reports RFC 9110 token characters.
func isTchar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
