package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func TestExitCode(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("checking zone7: %w", err) }
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"an objective failed", ErrFailed, 1},
		{"usage", Usagef("bad flag"), 2},
		{"invalid mission file", &mission.SpecError{File: "m.yaml", Line: 3, Column: 1, Msg: "x"}, 2},
		{"unknown mission", wrap(&mission.NotFoundError{ID: "zone99"}), 2},
		{"unknown objective", &check.UnknownObjectiveError{Mission: "zone7", ID: "x"}, 2},
		{"daemon unreachable", wrap(&check.DaemonError{Err: errors.New("down")}), 3},
		{"daemon error mid-run", &DaemonError{Err: errors.New("500")}, 3},
		{"request error", &dockerstate.RequestError{Host: "unix:///x", Err: errors.New("down")}, 3},
		{"interrupted", ErrInterrupted, 130},
		{"cancelled", wrap(context.Canceled), 130},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}
