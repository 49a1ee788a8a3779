package dockerstate

import (
	"context"
	"testing"

	"github.com/academy-dev/academy/internal/testdocker"
)

// BenchmarkCheckReads is what a check asks of the daemon (a fresh
// connection, the ping, three image look-ups), against the same with
// /info, which every check asked before:
//
//	go test ./pkg/dockerstate -run '^$' -bench CheckReads -count 5
//
// compare the two lines' ns/op, measured in the same run.
func BenchmarkCheckReads(b *testing.B) {
	testdocker.Require(b)
	ref := "academy-bench-" + randomName(b) + "/x:v1"
	importForBench(b, ref)
	refs := []string{ref, ref + "-missing", ref}
	for _, withInfo := range []bool{false, true} {
		name := "ping+3 inspects"
		if withInfo {
			name = "ping+info+3 inspects (before)"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				d, err := Open(Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := d.Endpoint(ctx); err != nil {
					b.Fatal(err)
				}
				if withInfo {
					if _, err := d.Info(ctx); err != nil {
						b.Fatal(err)
					}
				}
				for _, r := range refs {
					_, _ = d.Image(ctx, r)
				}
				d.Close()
			}
		})
	}
}
