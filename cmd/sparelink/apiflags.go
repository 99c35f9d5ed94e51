package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/profile"
	"github.com/sparelink/sparelink/internal/cli"
)

// defaultBroker is the broker of a login-less, flag-less run: a broker on
// this machine, as the tours start one.
const defaultBroker = "http://127.0.0.1:8400"

// apiFlags are the flags of every command that calls the broker.
type apiFlags struct {
	broker, key, loginFile string
	json                   bool
}

func addAPIFlags(cmd *cobra.Command, f *apiFlags) {
	fs := cmd.Flags()
	fs.StringVar(&f.broker, "broker", "", "broker base URL (default: the login's, else "+defaultBroker+")")
	fs.StringVar(&f.key, "key", "", "buyer API key (default: the login's; prefer "+cli.EnvName("key")+" to this flag)")
	fs.StringVar(&f.loginFile, "login-file", "", "login file (default: sparelink/login.json in the user config dir)")
	fs.BoolVar(&f.json, "json", false, "print JSON for scripts instead of tables")
}

// setup loads flags from the environment and config, and returns a quiet
// logger: buyer commands report in their output, logs are for trouble.
func setup(cmd *cobra.Command, common *cli.Common) (*zap.Logger, error) {
	if !cmd.Flags().Changed("log-level") {
		common.Log.Level = "warn"
	}
	return common.Setup(cmd)
}

// login returns the broker URL and key to use: flags and environment
// first, then the stored login, then the local default broker.
func (f *apiFlags) login() (profile.Profile, error) {
	p := profile.Profile{BrokerURL: f.broker, Key: f.key}
	if p.BrokerURL != "" && p.Key != "" {
		return p, nil
	}
	path, err := f.path()
	if err != nil {
		return p, err
	}
	stored, err := profile.Load(path)
	switch {
	case errors.Is(err, profile.ErrNotLoggedIn) && p.Key != "":
	case err != nil:
		return p, err
	default:
		p.BrokerURL = cmpOr(p.BrokerURL, stored.BrokerURL)
		p.Key = cmpOr(p.Key, stored.Key)
	}
	p.BrokerURL = cmpOr(p.BrokerURL, defaultBroker)
	return p, nil
}

func (f *apiFlags) path() (string, error) {
	if f.loginFile != "" {
		return f.loginFile, nil
	}
	return profile.DefaultPath()
}

// client returns an SDK client for the resolved login.
func (f *apiFlags) client() (*client.Client, error) {
	p, err := f.login()
	if err != nil {
		return nil, err
	}
	return client.New(p.BrokerURL, p.Key, client.WithUserAgent("sparelink-cli/1")), nil
}

// emit prints v as JSON when --json is set, else calls human.
func (f *apiFlags) emit(w io.Writer, v any, human func(io.Writer)) error {
	if !f.json {
		human(w)
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
