package cmdutil

import (
	"os"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// Factory gives commands what they need, lazily: a command that needs no
// daemon never dials one.
type Factory struct {
	IOStreams *IOStreams
	// MissionDirs are extra folders of missions (--missions, ACADEMY_MISSIONS).
	MissionDirs []string
	// OpenDaemon prepares a client for an endpoint; tests replace it.
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)
}

// NewFactory returns the factory of the real process.
func NewFactory() *Factory {
	return &Factory{
		IOStreams:   System(),
		MissionDirs: []string{os.Getenv("ACADEMY_MISSIONS")},
		OpenDaemon:  dockerstate.Open,
	}
}

// Catalog returns the missions the user can run.
func (f *Factory) Catalog() *mission.Catalog {
	return mission.NewCatalog(missions.FS, f.MissionDirs...)
}
