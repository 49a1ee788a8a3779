package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// reportSchema is the published schema of the json report.
const reportSchema = "../../docs/schema/report.v1.json"

func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: not JSON: %v", name, err)
		return
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s does not match its schema: %v", name, err)
	}
}

// goldens returns the golden files whose names end in suffix: the
// hand-made fixtures and the real runs.
func goldens(t *testing.T, suffix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pattern := range []string{"testdata/*" + suffix, "testdata/runs/*" + suffix} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = data
		}
	}
	return out
}

// Every json golden, hand-made or from a real run, is a report the
// published schema accepts, with exactly the keys of the contract.
func TestJSONGoldensMatchSchema(t *testing.T) {
	s := compileSchema(t, reportSchema)
	files := goldens(t, ".json.golden")
	if len(files) < len(fixtures())+len(classes()) {
		t.Fatalf("only %d json goldens: some are missing", len(files))
	}
	for name, data := range files {
		validate(t, s, name, data)
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		reports := []any{m}
		if hosts, ok := m["hosts"].([]any); ok {
			keys(t, "hosts", m)
			reports = hosts
		}
		for _, r := range reports {
			checkKeys(t, r.(map[string]any))
		}
	}
}

// checkKeys holds a report to the contract's keys at every level;
// "archives" is archive verify's addition.
func checkKeys(t *testing.T, r map[string]any) {
	t.Helper()
	if _, ok := r["archives"]; ok {
		r = maps(r)
		delete(r, "archives")
	}
	keys(t, "report", r)
	keys(t, "mission", r["mission"])
	keys(t, "score", r["score"])
	keys(t, "endpoint", r["endpoint"])
	for _, o := range r["objectives"].([]any) {
		keys(t, "objective", o)
		for _, c := range o.(map[string]any)["checks"].([]any) {
			keys(t, "check", c)
		}
	}
}

func maps(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// The schema is not a formality: it refuses what breaks the contract.
func TestSchemaRefusesBrokenReports(t *testing.T) {
	s := compileSchema(t, reportSchema)
	good, err := os.ReadFile("testdata/mixed.json.golden")
	if err != nil {
		t.Fatal(err)
	}
	for name, breakIt := range map[string]func(m map[string]any){
		"no earned":        func(m map[string]any) { delete(obj(m, 0), "earned") },
		"status ok":        func(m map[string]any) { obj(m, 0)["status"] = "ok" },
		"schemaVersion 2":  func(m map[string]any) { m["schemaVersion"] = 2 },
		"negative points":  func(m map[string]any) { obj(m, 1)["points"] = -1 },
		"no endpoint host": func(m map[string]any) { delete(m["endpoint"].(map[string]any), "host") },
		"checks null":      func(m map[string]any) { obj(m, 2)["checks"] = nil },
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		breakIt(m)
		data, _ := json.Marshal(m)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if s.Validate(v) == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

func obj(m map[string]any, i int) map[string]any {
	return m["objectives"].([]any)[i].(map[string]any)
}

// Gradescope's results.json and Classroom's runner result hold the shapes
// their documentation gives, and the score adds up.
func TestGraderGoldensMatchTheirDocumentedShapes(t *testing.T) {
	gs := compileSchema(t, "testdata/schema/gradescope-results.json")
	files := goldens(t, ".gradescope.golden")
	if len(files) < len(fixtures()) {
		t.Fatalf("only %d gradescope goldens", len(files))
	}
	for name, data := range files {
		validate(t, gs, name, data)
		var r struct {
			Score float64
			Tests []struct {
				Score    float64
				MaxScore float64 `json:"max_score"`
				Status   string
			}
		}
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, tc := range r.Tests {
			sum += tc.Score
			// A passed objective earned all its points; a failed one may
			// have earned some (partial credit), never more.
			if tc.Score > tc.MaxScore || (tc.Status == "passed" && tc.Score != tc.MaxScore) {
				t.Errorf("%s: test scored %v of %v, %s", name, tc.Score, tc.MaxScore, tc.Status)
			}
		}
		if sum != r.Score {
			t.Errorf("%s: score %v, tests add up to %v", name, r.Score, sum)
		}
	}

	cs := compileSchema(t, "testdata/schema/classroom-result.json")
	files = goldens(t, ".classroom.golden")
	if len(files) < len(fixtures()) {
		t.Fatalf("only %d classroom goldens", len(files))
	}
	for name, data := range files {
		validate(t, cs, name, data)
		var r struct {
			Status   string
			MaxScore float64 `json:"max_score"`
			Tests    []struct {
				Status string
				Score  float64
			}
		}
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		sum, worst := 0.0, "pass"
		for _, tc := range r.Tests {
			sum += tc.Score
			if tc.Status == "error" || (tc.Status == "fail" && worst == "pass") {
				worst = tc.Status
			}
		}
		if len(r.Tests) == 0 {
			worst = "error"
		}
		if sum > r.MaxScore || r.Status != worst {
			t.Errorf("%s: status %s with tests %s; scores add up to %v of max_score %v", name, r.Status, worst, sum, r.MaxScore)
		}
	}
}
