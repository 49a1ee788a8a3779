package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("json", jsonRenderer{}) }

// SchemaVersion is the version of the JSON report's shape. It changes only
// when a field is removed or changes meaning; graders check it.
const SchemaVersion = 1

// The wire types below are the JSON report of docs/report.md, schemaVersion 1, in
// one place. Every field is always present: no omitempty, arrays never null.

// JSONReport is the JSON report of one endpoint.
type JSONReport struct {
	SchemaVersion int             `json:"schemaVersion"`
	Mission       JSONMission     `json:"mission"`
	Passed        bool            `json:"passed"`
	Score         JSONScore       `json:"score"`
	Objectives    []JSONObjective `json:"objectives"`
	Endpoint      JSONEndpoint    `json:"endpoint"`
	DurationMs    int64           `json:"durationMs"`
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
			Points: o.Points, Checks: checks,
		})
	}
	return JSONReport{
		SchemaVersion: SchemaVersion,
		Mission:       JSONMission{ID: r.MissionID, Title: r.MissionTitle},
		Passed:        r.Passed(),
		Score:         JSONScore{Earned: earned, Possible: possible},
		Objectives:    objs,
		Endpoint: JSONEndpoint{
			Host: r.Endpoint.Host, APIVersion: r.Endpoint.APIVersion,
			ServerVersion: r.Endpoint.ServerVersion, ImageStore: r.Endpoint.ImageStore,
		},
		DurationMs: r.Duration.Milliseconds(),
	}
}

// jsonRenderer writes one compact object per call, ending in a newline, so
// --watch can print one report per line.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, r *check.Result, _ Options) error {
	return encodeJSON(w, NewJSONReport(r))
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
