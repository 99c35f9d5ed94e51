package lease

import (
	"crypto/ed25519"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzVerify checks that Verify never panics and accepts only tokens that
// the trusted key itself would issue for the decoded claims. Since Ed25519
// signatures are deterministic, an accepted token must equal the re-issued
// one byte for byte.
func FuzzVerify(f *testing.F) {
	s := testSigner(f)
	f.Add(mustIssue(f, s, testClaims()))
	withBuyer := testClaims()
	withBuyer.BuyerKey = testBuyerKey()
	f.Add(mustIssue(f, s, withBuyer))
	f.Add("slt1..")
	f.Add("slt1.e30.AA")
	v, _ := newTestVerifier(f, s)
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(token, testClaims().NodeID)
		if err != nil {
			return
		}
		again, err := s.Issue(c)
		if err != nil {
			t.Fatalf("accepted claims cannot be re-issued: %v", err)
		}
		if again != token {
			t.Fatalf("accepted token %q, want only %q", token, again)
		}
		dot := strings.LastIndexByte(token, '.')
		sig, err := b64.DecodeString(token[dot+1:])
		if err != nil || !ed25519.Verify(s.Public(), signedMessage(token[:dot]), sig) {
			t.Fatalf("accepted token %q whose signature does not verify", token)
		}
	})
}

var writeCorpus = flag.Bool("write-corpus", false, "rewrite the FuzzVerify seed token")

// TestFuzzCorpusHasValidToken keeps the committed seed corpus honest: it
// must hold a token that verifies, so the fuzzer starts from the accepting
// path. Run with -write-corpus to regenerate it.
func TestFuzzCorpusHasValidToken(t *testing.T) {
	s := testSigner(t)
	tok := mustIssue(t, s, testClaims())
	path := filepath.Join("testdata", "fuzz", "FuzzVerify", "valid")
	want := "go test fuzz v1\nstring(\"" + tok + "\")\n"
	if *writeCorpus {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	if string(got) != want {
		t.Errorf("corpus %s: got %q, want %q", path, got, want)
	}
	v, _ := newTestVerifier(t, s)
	if _, err := v.Verify(tok, testClaims().NodeID); err != nil {
		t.Errorf("corpus token: got error %v, want nil", err)
	}
}
