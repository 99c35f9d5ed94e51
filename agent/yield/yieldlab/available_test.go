package yieldlab

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestAvailable(t *testing.T) {
	_, ipErr := exec.LookPath("ip")
	_, tcErr := exec.LookPath("tc")
	canRun := os.Geteuid() == 0 && ipErr == nil && tcErr == nil
	err := Available(Config{})
	if canRun && err != nil {
		t.Errorf("got %v as root with ip and tc, want nil (TestMain called Hook)", err)
	}
	if !canRun && !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v without root or tools, want ErrUnavailable", err)
	}
}
