package root

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/cmdutil"
)

// A mistyped command gets cobra's suggestion on a line of its own, and the
// exit code of a usage error.
func TestUnknownCommand(t *testing.T) {
	for _, tt := range []struct{ arg, want string }{
		{"chek", "academy: unknown command \"chek\"\nDid you mean: academy check\n"},
		{"misions", "academy: unknown command \"misions\"\nDid you mean: academy mission or academy missions\n"},
		{"zzz", "academy: unknown command \"zzz\"\nacademy help lists the commands\n"},
		// Every group refuses what it does not have, as the root does.
		{"mission lnt", "academy: unknown command \"lnt\" for \"academy mission\"\nDid you mean: academy mission lint\n"},
		{"archive zzz", "academy: unknown command \"zzz\" for \"academy archive\"\nacademy help archive lists the commands\n"},
		{"completion nushell", "academy: unknown command \"nushell\" for \"academy completion\"\nacademy help completion lists the commands\n"},
	} {
		var out, errOut bytes.Buffer
		cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}})
		cmd.SetArgs(strings.Fields(tt.arg))
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		err := cmd.ExecuteContext(context.Background())
		var shown *cmdutil.ShownError
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !errors.As(err, &shown) || errOut.String() != tt.want {
			t.Errorf("%s: %v, stderr %q, want %q", tt.arg, err, errOut.String(), tt.want)
		}
	}
	// No command at all: the help, exit 0.
	var out bytes.Buffer
	cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &out, ErrOut: &out}})
	cmd.SetArgs(nil)
	cmd.SetArgs([]string{})
	cmd.SetOut(&out)
	if err := cmd.ExecuteContext(context.Background()); err != nil || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("no command: %v\n%s", err, out.String())
	}
}

// check --help does not show a default that means nothing to a learner.
func TestCheckHelpHasNoMeaninglessDefault(t *testing.T) {
	var out bytes.Buffer
	cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &out, ErrOut: &out}})
	cmd.SetArgs([]string{"check", "--help"})
	cmd.SetOut(&out)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "(default -1)") || !strings.Contains(out.String(), "--min-score N") {
		t.Errorf("check --help:\n%s", out.String())
	}
}

// A misspelt flag is a usage error that names the flag meant.
func TestUnknownFlagSuggests(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}})
	cmd.SetArgs([]string{"check", "zone7", "--anwser", "digest=x"})
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err == nil || !strings.Contains(err.Error(), "unknown flag: --anwser — did you mean --answer?") {
		t.Errorf("err = %v, want a usage error suggesting --answer", err)
	}
}
