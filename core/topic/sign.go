package topic

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

// signer signs envelopes as SNS does (SignatureVersion 1: SHA1withRSA,
// 2: SHA256withRSA) with a key made on first use and kept in the store, so
// subscribers can verify messages against the certificate served at
// SigningCertURL.
type signer struct {
	st    *store.Store
	slots chan struct{} // signatures computed at once: at most half the CPUs, so fan-out leaves room for publishers
	once  sync.Once
	key   *rsa.PrivateKey
	cert  []byte // PEM
	err   error
}

// stringToSign is SNS's canonical form: name and value lines of the
// fields, in alphabetical order, Subject only when set.
func stringToSign(e Envelope) string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", e.Message)
	add("MessageId", e.MessageID)
	if e.Type == "Notification" {
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
		add("Timestamp", e.Timestamp)
		add("TopicArn", e.TopicArn)
		add("Type", e.Type)
		return b.String()
	}
	add("SubscribeURL", e.SubscribeURL)
	add("Timestamp", e.Timestamp)
	add("Token", e.Token)
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}

// sign returns the base64 Signature of e ("" if no key could be made).
func (g *signer) sign(e Envelope) string {
	if g.load() != nil {
		return ""
	}
	text := []byte(stringToSign(e))
	g.slots <- struct{}{}
	defer func() { <-g.slots }()
	var sig []byte
	var err error
	if e.SignatureVersion == "2" {
		sum := sha256.Sum256(text)
		sig, err = rsa.SignPKCS1v15(nil, g.key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum(text)
		sig, err = rsa.SignPKCS1v15(nil, g.key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Verify checks an envelope's Signature against the signing certificate
// (for tests and the GUI's message inspector).
func (s *Service) Verify(e Envelope) error {
	g := &s.signer
	if err := g.load(); err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	text := []byte(stringToSign(e))
	if e.SignatureVersion == "2" {
		sum := sha256.Sum256(text)
		return rsa.VerifyPKCS1v15(&g.key.PublicKey, crypto.SHA256, sum[:], sig)
	}
	sum := sha1.Sum(text)
	return rsa.VerifyPKCS1v15(&g.key.PublicKey, crypto.SHA1, sum[:], sig)
}

// SigningCert returns the PEM certificate that verifies envelope signatures.
func (s *Service) SigningCert() ([]byte, error) {
	if err := s.signer.load(); err != nil {
		return nil, err
	}
	return s.signer.cert, nil
}

func (g *signer) load() error {
	g.once.Do(func() {
		g.slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
		g.err = g.loadOrCreate()
	})
	return g.err
}

func (g *signer) loadOrCreate() error {
	var keyPEM, certPEM []byte
	err := g.st.DB().QueryRow(`SELECT value FROM topic_settings WHERE key = 'signing_key'`).Scan(&keyPEM)
	if err == nil {
		err = g.st.DB().QueryRow(`SELECT value FROM topic_settings WHERE key = 'signing_cert'`).Scan(&certPEM)
	}
	if err == nil {
		if blk, _ := pem.Decode(keyPEM); blk != nil {
			if k, perr := x509.ParsePKCS1PrivateKey(blk.Bytes); perr == nil {
				g.key, g.cert = k, certPEM
				return nil
			}
		}
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("topic: load signing key: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("topic: signing key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"Skyport (local SNS)"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("topic: signing certificate: %w", err)
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	err = g.st.Write(context.Background(), func(tx *store.Tx) error {
		for k, v := range map[string][]byte{"signing_key": keyPEM, "signing_cert": certPEM} {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO topic_settings(key, value) VALUES (?, ?)`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("topic: save signing key: %w", err)
	}
	g.key, g.cert = key, certPEM
	return nil
}
