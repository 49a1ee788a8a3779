package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("json", jsonRenderer{}) }

// SchemaVersion is the version of the JSON report's shape. It changes only
// when a field is removed or changes meaning; graders check it.
const SchemaVersion = 1

// The wire types below are the JSON report of docs/report.md, schemaVersion 1, in
// one place. Every field is always present: no omitempty, arrays never null.
// Within schemaVersion 1 fields are only ever added, never removed or given
// another meaning; docs/schema/report.v1.json validates them.

// JSONReport is the JSON report of one endpoint.
type JSONReport struct {
	SchemaVersion int               `json:"schemaVersion"`
	Mission       JSONMission       `json:"mission"`
	Vars          map[string]string `json:"vars"`
	Passed        bool              `json:"passed"`
	Score         JSONScore         `json:"score"`
	Objectives    []JSONObjective   `json:"objectives"`
	Endpoint      JSONEndpoint      `json:"endpoint"`
	DurationMs    int64             `json:"durationMs"`
}

// JSONHosts is the JSON report of several endpoints (--hosts): one
// JSONReport per endpoint, in the order they were given. Passed is true when
// every endpoint passed.
type JSONHosts struct {
	SchemaVersion int          `json:"schemaVersion"`
	Passed        bool         `json:"passed"`
	Hosts         []JSONReport `json:"hosts"`
}

// JSONMission names the mission that was checked.
type JSONMission struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// JSONScore is the points earned of the points possible.
type JSONScore struct {
	Earned   int `json:"earned"`
	Possible int `json:"possible"`
}

// JSONObjective is the outcome of one objective.
type JSONObjective struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"`
	Status string      `json:"status"` // pass, fail or error
	Points int         `json:"points"` // what the objective is worth
	Earned int         `json:"earned"` // what the learner earned of it
	Checks []JSONCheck `json:"checks"`
}

// JSONCheck is the outcome of one check of an objective.
type JSONCheck struct {
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	Status   string `json:"status"` // pass, fail or error
	Message  string `json:"message"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

// JSONEndpoint describes the daemon that was checked.
type JSONEndpoint struct {
	Host          string `json:"host"`
	APIVersion    string `json:"apiVersion"`
	ServerVersion string `json:"serverVersion"`
	ImageStore    string `json:"imageStore"`
	// Added within schemaVersion 1:
	Name   string `json:"name"`   // the host's name in a class (--hosts); "" for one endpoint
	Engine string `json:"engine"` // docker or podman; "" when the daemon did not say
	Source string `json:"source"` // why this endpoint: "--host flag", "DOCKER_HOST", `context "lab" (…)`, "default"
}

// NewJSONReport converts a result to its wire form, every string made safe
// to show (Clean, on one line).
func NewJSONReport(r *check.Result) JSONReport {
	r = cleaned(r)
	earned, possible := r.Score()
	objs := make([]JSONObjective, 0, len(r.Objectives))
	for _, o := range r.Objectives {
		checks := make([]JSONCheck, 0, len(o.Checks))
		for _, c := range o.Checks {
			checks = append(checks, JSONCheck{
				Kind: c.Kind, Subject: c.Subject, Status: string(statusOf(c.Status)),
				Message: c.Message, Expected: c.Expected, Actual: c.Actual,
			})
		}
		objs = append(objs, JSONObjective{
			ID: o.ID, Title: o.Title, Status: string(statusOf(o.Status)),
			Points: o.Points, Earned: o.Earned, Checks: checks,
		})
	}
	vars := r.Vars
	if vars == nil {
		vars = map[string]string{} // always present, as every member is
	}
	return JSONReport{
		SchemaVersion: SchemaVersion,
		Mission:       JSONMission{ID: r.MissionID, Title: r.MissionTitle},
		Vars:          vars,
		Passed:        r.Passed(),
		Score:         JSONScore{Earned: earned, Possible: possible},
		Objectives:    objs,
		Endpoint: JSONEndpoint{
			Host: r.Endpoint.Host, APIVersion: r.Endpoint.APIVersion,
			ServerVersion: r.Endpoint.ServerVersion, ImageStore: r.Endpoint.ImageStore,
			Name: r.Host, Engine: r.Endpoint.Engine, Source: r.Endpoint.Source,
		},
		DurationMs: r.Duration.Milliseconds(),
	}
}

// jsonRenderer writes one compact object per call, ending in a newline, so
// --watch can print one report per line.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, r *check.Result, opts Options) error {
	if len(opts.Extra) == 0 {
		return encodeJSON(w, NewJSONReport(r))
	}
	return encodeJSON(w, withMembers{NewJSONReport(r), opts.Extra})
}

// withMembers is a report with more top-level members after its own.
type withMembers struct {
	report JSONReport
	extra  map[string]any
}

func (m withMembers) MarshalJSON() ([]byte, error) {
	own, err := marshalJSON(m.report)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(own[:len(own)-1]) // without its closing brace
	names := make([]string, 0, len(m.extra))
	for name := range m.extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if reportMembers[name] {
			return nil, fmt.Errorf("json report: member %q is the report's own", name)
		}
		v, err := marshalJSON(m.extra[name])
		if err != nil {
			return nil, fmt.Errorf("json report: member %q: %w", name, err)
		}
		k, _ := marshalJSON(name)
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// reportMembers are the members of JSONReport, which Extra cannot replace.
var reportMembers = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(JSONReport{})
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// marshalJSON is json.Marshal without escaping <, > and &, and without the
// encoder's newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (jsonRenderer) RenderMulti(w io.Writer, rs []*check.Result, _ Options) error {
	hosts := JSONHosts{SchemaVersion: SchemaVersion, Passed: allPassed(rs), Hosts: make([]JSONReport, 0, len(rs))}
	for _, r := range rs {
		hosts.Hosts = append(hosts.Hosts, NewJSONReport(r))
	}
	return encodeJSON(w, hosts)
}

func encodeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Messages quote commands and references; keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return write(w, b.Bytes())
}
