package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("junit", junitRenderer{}) }

// junitRenderer writes JUnit XML as Jenkins, GitLab and the GitHub test
// reporters read it: one testsuite per endpoint, one testcase per objective.
type junitRenderer struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string `xml:"classname,attr"`
	Name      string `xml:"name,attr"`
	Time      string `xml:"time,attr"`
	// Points and earned, as testcase properties (as pytest's
	// record_property writes them): JUnit has no field for a score.
	Properties []junitProperty `xml:"properties>property"`
	Failure    *junitProblem   `xml:"failure,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	// CDATA keeps the details one per line for a human reading the file;
	// encoding/xml would write each newline as &#xA;.
	Text string `xml:",cdata"`
}

func (junitRenderer) Render(w io.Writer, r *check.Result, _ Options) error {
	return writeJUnit(w, r.MissionID, []*check.Result{r}, func(r *check.Result) string { return r.MissionID })
}

// RenderMulti writes one testsuite per endpoint, named after the mission
// and the host: most reporters show the suite name and ignore hostname, and
// a class's results would otherwise look like one host's, repeated.
func (junitRenderer) RenderMulti(w io.Writer, rs []*check.Result, _ Options) error {
	name := ""
	if len(rs) > 0 {
		name = rs[0].MissionID
	}
	return writeJUnit(w, name, rs, func(r *check.Result) string { return r.MissionID + " @ " + hostName(r) })
}

func writeJUnit(w io.Writer, name string, rs []*check.Result, suiteName func(*check.Result) string) error {
	all := junitSuites{Name: name, Suites: make([]junitSuite, 0, len(rs))}
	var total time.Duration
	for _, r := range rs {
		s := junitSuiteOf(r, suiteName(r))
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		total += r.Duration
		all.Suites = append(all.Suites, s)
	}
	all.Time = seconds(total)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("writing junit: %w", err)
	}
	b.WriteByte('\n')
	return write(w, b.Bytes())
}

func junitSuiteOf(r *check.Result, name string) junitSuite {
	r = cleaned(r)
	t := countObjectives(r.Objectives)
	earned, possible := r.Score()
	s := junitSuite{
		Name: clean(name), Tests: t.total, Failures: t.failed, Errors: t.errored,
		Time: seconds(r.Duration), Hostname: r.Endpoint.Host,
		Properties: []junitProperty{
			{"host", r.Endpoint.Host},
			{"apiVersion", r.Endpoint.APIVersion},
			{"serverVersion", r.Endpoint.ServerVersion},
			{"imageStore", r.Endpoint.ImageStore},
			{"earned", strconv.Itoa(earned)},
			{"possible", strconv.Itoa(possible)},
		},
	}
	for _, o := range r.Objectives {
		c := junitCase{
			Classname: r.MissionID,
			Name:      oneLine(o.ID + ": " + titleOr(o.Title, o.ID)),
			// Objectives are not timed one by one; the suite carries the time.
			Time: seconds(0),
			Properties: []junitProperty{
				{"points", strconv.Itoa(o.Points)},
				{"earned", strconv.Itoa(o.Earned)},
			},
		}
		if st := statusOf(o.Status); st != check.Pass {
			p := &junitProblem{Type: string(st), Text: junitDetails(o.Checks)}
			if first, ok := firstProblem(o); ok {
				p.Message = first.Message
			}
			if st == check.Fail {
				c.Failure = p
			} else {
				c.Error = p
			}
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}

// junitDetails lists every check of an objective, one per line.
func junitDetails(checks []check.Outcome) string {
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "%s %s %s: %s", statusOf(c.Status), c.Kind, oneLine(c.Subject), oneLine(c.Message))
		if c.Expected != "" || c.Actual != "" {
			fmt.Fprintf(&b, " (expected %q, actual %q)", c.Expected, c.Actual)
		}
		b.WriteByte('\n')
	}
	// encoding/xml does not check CDATA for characters XML forbids.
	return Clean(b.String())
}

// seconds formats a duration as JUnit wants it: seconds, three decimals.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
