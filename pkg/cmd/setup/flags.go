package setup

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/report"
)

// LabFlags are the flags of every command that changes the lab (setup,
// reset, mission test): which daemon, and the mission's variables.
type LabFlags struct {
	Host    string
	Context string
	Timeout time.Duration
	Vars    map[string]string

	vars []string
}

// Bind declares the flags on cmd.
func (l *LabFlags) Bind(cmd *cobra.Command) {
	l.BindDaemon(cmd)
	cmd.Flags().StringArrayVar(&l.vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable), as for academy check")
}

// BindDaemon declares the flags that say which daemon, and no --var.
func (l *LabFlags) BindDaemon(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&l.Host, "host", "H", "", "Docker endpoint `URL`: unix://, tcp:// or ssh:// (default: as the docker CLI: DOCKER_HOST, contexts, the platform's socket)")
	fl.StringVar(&l.Context, "context", "", "the docker CLI context `NAME` to use (as docker --context)")
	fl.DurationVar(&l.Timeout, "timeout", dockerstate.DefaultTimeout, "limit for each Engine API request")
}

// Parse validates the flags once cobra has read them.
func (l *LabFlags) Parse() error {
	if l.Timeout <= 0 {
		return cmdutil.Usagef("--timeout must be positive")
	}
	l.Vars = make(map[string]string, len(l.vars))
	for _, v := range l.vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return cmdutil.Usagef("--var %q: expected KEY=VALUE", v)
		}
		l.Vars[k] = val
	}
	return nil
}

// Open prepares the daemon the flags name and prints the resolution's
// warnings; a wrong setting is a usage error.
func (l *LabFlags) Open(io *cmdutil.IOStreams, open func(dockerstate.Options) (*dockerstate.Daemon, error)) (*dockerstate.Daemon, error) {
	d, err := open(dockerstate.Options{Host: l.Host, Context: l.Context, Timeout: l.Timeout})
	if err != nil {
		return nil, &cmdutil.UsageError{Err: err}
	}
	for _, w := range d.Target().Warnings {
		fmt.Fprintf(io.ErrOut, "academy: warning: %s\n", report.CleanLine(w))
	}
	return d, nil
}

// MissionArg completes a mission id as the command's first argument.
func MissionArg(ids func() []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return ids(), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}
