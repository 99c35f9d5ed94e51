package quicexit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/internal/identity"
)

// ErrCertificateNames means an operator certificate names no DNS name, so
// no client could ever be given it.
var ErrCertificateNames = errors.New("operator certificate names no DNS name")

// certChooser picks the certificate for a handshake by its SNI: the
// operator's for the names it covers, the node key's for everything else.
// The node's own name always gets the node certificate, so a client that
// pins the node key can ask for it whatever the operator's certificate
// covers.
type certChooser struct {
	node, operator         *tls.Certificate
	nodeLeaf, operatorLeaf *x509.Certificate
}

// forName returns the certificate for a client that sent serverName.
func (c *certChooser) forName(serverName string) *tls.Certificate {
	if serverName == "" || c.nodeLeaf.VerifyHostname(serverName) == nil {
		return c.node
	}
	if c.operatorLeaf.VerifyHostname(serverName) == nil {
		return c.operator
	}
	return c.node
}

// serverTLS is the exit's TLS configuration: the node key's certificate,
// and the operator's when there is one.
func serverTLS(key identity.Key, operator *tls.Certificate) (*tls.Config, error) {
	conf, err := key.ServerTLSConfig()
	if err != nil || operator == nil {
		return conf, err
	}
	c, err := newCertChooser(conf.Certificates[0], *operator)
	if err != nil {
		return nil, err
	}
	conf.Certificates = nil
	conf.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		return c.forName(hello.ServerName), nil
	}
	return conf, nil
}

func newCertChooser(node, operator tls.Certificate) (*certChooser, error) {
	c := &certChooser{node: &node, operator: &operator}
	var err error
	if c.nodeLeaf, err = leaf(node); err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	if c.operatorLeaf, err = leaf(operator); err != nil {
		return nil, fmt.Errorf("operator certificate: %w", err)
	}
	if len(c.operatorLeaf.DNSNames) == 0 {
		return nil, ErrCertificateNames
	}
	c.operator.Leaf = c.operatorLeaf
	return c, nil
}

// leaf returns the parsed first certificate of the chain.
func leaf(c tls.Certificate) (*x509.Certificate, error) {
	if c.Leaf != nil {
		return c.Leaf, nil
	}
	if len(c.Certificate) == 0 {
		return nil, errors.New("empty certificate chain")
	}
	return x509.ParseCertificate(c.Certificate[0])
}
