package check

import (
	"fmt"
	"testing"

	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// benchNames are as many names as the daemon's list is cut to, all about
// as long as the wanted one and each one or two characters off: the worst
// case for the search, every name compared and as many parsed as it ever
// parses.
func benchNames() []string {
	names := make([]string, dockerstate.MaxListedTags)
	for i := range names {
		names[i] = fmt.Sprintf("cloudcorp/my-app:%d.0.%d", i%10, i%7)
	}
	return names
}

// BenchmarkCloseNames is the near-miss search over a full list; compare it
// with BenchmarkParseNamesBaseline, parsing the same names once each.
func BenchmarkCloseNames(b *testing.B) {
	names := benchNames()
	for b.Loop() {
		closeNames("cloudcorp/my-app:1.0.0", names)
	}
}

func BenchmarkParseNamesBaseline(b *testing.B) {
	names := benchNames()
	for b.Loop() {
		for _, n := range names {
			_, _ = reference.ParseNormalizedNamed(n)
		}
	}
}
