package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/release"
)

type verifyFlags struct {
	pubkey        string
	dir           string
	ignoreMissing bool
	require       []string
}

func verifyReleaseCommand(common *cli.Common) *cobra.Command {
	var vf verifyFlags
	cmd := &cobra.Command{
		Use:   "verify-release",
		Short: "Check a downloaded release's signature and checksums offline",
		Long: `verify-release checks, without any network access, that SHA256SUMS in a
release directory is signed by the SpareLink release key (its signature,
SHA256SUMS.minisig, is in minisign's format) and that the files it lists
match their SHA-256. It prints the signed comment, which names the version.

  sparelink verify-release --pubkey sparelink-release.pub --dir ./dist

The same check with minisign and coreutils:

  minisign -V -p sparelink-release.pub -m SHA256SUMS && sha256sum -c SHA256SUMS`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := common.Setup(cmd); err != nil {
				return err
			}
			return runVerifyRelease(cmd, vf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&vf.pubkey, "pubkey", "", "release public key: a minisign public key file, or its base64 line (required)")
	f.StringVar(&vf.dir, "dir", ".", "release directory holding SHA256SUMS, SHA256SUMS.minisig and the files")
	f.BoolVar(&vf.ignoreMissing, "ignore-missing", false, "skip listed files that are not in the directory (a partial download)")
	f.StringSliceVar(&vf.require, "require", nil, "files that must be present and checked (repeatable)")
	return cmd
}

func runVerifyRelease(cmd *cobra.Command, vf verifyFlags) error {
	key, err := loadPublicKey(vf.pubkey)
	if err != nil {
		return err
	}
	v, err := release.VerifyDir(vf.dir, key, vf.ignoreMissing)
	if err != nil {
		return err
	}
	for _, name := range vf.require {
		if !slices.Contains(v.Checked, name) {
			return fmt.Errorf("verify release: %s is not listed in %s or is not in %s", name, release.SumsFile, vf.dir)
		}
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s signed by key %s: %s\n", release.SumsFile, key.ID, v.TrustedComment)
	for _, name := range v.Checked {
		fmt.Fprintf(out, "%s: OK\n", name)
	}
	return nil
}

// loadPublicKey takes the key itself or the path of its file.
func loadPublicKey(arg string) (release.PublicKey, error) {
	if arg == "" {
		return release.PublicKey{}, fmt.Errorf("--pubkey is required: the release public key or its file")
	}
	if key, err := release.ParsePublicKey(arg); err == nil {
		return key, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return release.PublicKey{}, fmt.Errorf("--pubkey: not a public key, and not a readable file: %w", err)
	}
	key, err := release.ParsePublicKey(string(data))
	if err != nil {
		return release.PublicKey{}, fmt.Errorf("--pubkey %s: %w", arg, err)
	}
	return key, nil
}
