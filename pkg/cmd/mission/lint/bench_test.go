package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/mission"
)

// BenchmarkLint lints zone7 whole, and BenchmarkLintLargest a mission at
// the loader's limits (100 objectives, 500 checks); BenchmarkLoad is the baseline, what
// academy check does with the same file before asking the daemon. Quote
// their ratio, measured in one run:
//
//	go test ./pkg/cmd/mission/lint -run X -bench . -benchmem
func BenchmarkLint(b *testing.B) {
	data := zone7(b)
	for b.Loop() {
		if ps := Mission("zone7.yaml", data, Source{ID: "zone7", Catalog: true}); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

func BenchmarkLintLargest(b *testing.B) {
	data := largest()
	for b.Loop() {
		if ps := Mission("big.yaml", data, Source{}); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

func BenchmarkLoad(b *testing.B)        { benchmarkLoad(b, zone7(b)) }
func BenchmarkLoadLargest(b *testing.B) { benchmarkLoad(b, largest()) }

func benchmarkLoad(b *testing.B, data []byte) {
	for b.Loop() {
		m, err := mission.Parse("m.yaml", data)
		if err == nil {
			m, err = m.Expand(nil)
		}
		if err == nil {
			_, err = check.Compile(m)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func zone7(b *testing.B) []byte {
	data, err := missions.FS.ReadFile("zone7.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// largest is a valid mission at the loader's limits of objectives and
// checks, every string using a variable.
func largest() []byte {
	var b strings.Builder
	b.WriteString("apiVersion: academy/v1\nid: big\ntitle: Big\nvars: {image: my-app:v1, repo: cloudcorp/my-app}\nobjectives:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "  - id: o%d\n    title: Tag {{.image}} %d\n    points: 1\n    hints: [\"docker tag {{.image}}\", \"docker tag {{.image}} {{.repo}}\"]\n    solution: docker tag {{.image}} {{.repo}}:%d\n    checks:\n", i, i, i)
		for j := range 5 {
			fmt.Fprintf(&b, "      - image: {ref: \"{{.repo}}:%d-%d\", sameAs: \"{{.image}}\"}\n", i, j)
		}
	}
	return []byte(b.String())
}
