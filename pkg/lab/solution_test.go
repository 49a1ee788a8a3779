package lab

import (
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

func TestParseSolution(t *testing.T) {
	for _, tt := range []struct {
		solution string
		want     [][]string // nil when refused
		err      string
	}{
		{"docker tag my-app:v1 cloudcorp/my-app:latest && docker tag my-app:v1 cloudcorp/my-app:1.0.0",
			[][]string{{"docker", "tag", "my-app:v1", "cloudcorp/my-app:latest"}, {"docker", "tag", "my-app:v1", "cloudcorp/my-app:1.0.0"}}, ""},
		{"docker inspect --format='{{index .RepoDigests 0}}' nginx",
			[][]string{{"docker", "inspect", "--format={{index .RepoDigests 0}}", "nginx"}}, ""},
		{`docker inspect --format "{{.Id}}" nginx`, [][]string{{"docker", "inspect", "--format", "{{.Id}}", "nginx"}}, ""},
		{"docker rm -f my-app &&\n docker run -d --name my-app x:1", [][]string{{"docker", "rm", "-f", "my-app"}, {"docker", "run", "-d", "--name", "my-app", "x:1"}}, ""},
		{"", nil, "is missing"},
		{"   ", nil, "is missing"},
		{"docker save my-app:v1 | gzip > my-app.tar.gz", nil, "only && can join"},
		{"docker save my-app:v1 > my-app.tar", nil, "redirects"},
		{"docker tag a b; docker tag a c", nil, "not 2 statements"},
		{"docker tag a b || true", nil, "only && can join"},
		{"rm -rf / && docker ps", nil, `runs "rm"`},
		{"docker tag $IMAGE b", nil, "expands a variable"},
		{"docker tag \"$IMAGE\" b", nil, "inside double quotes"},
		{"docker tag $(whoami) b", nil, "expands"},
		{"docker load -i *.tar", nil, "glob"},
		{"docker load -i ~/my.tar", nil, "~"},
		{"DOCKER_HOST=tcp://x docker ps", nil, "sets a variable"},
		{"docker ps &", nil, "!, & or a coprocess"},
		{"(docker ps)", nil, "not a plain command"},
		{"docker tag 'unterminated", nil, "cannot be read"},
	} {
		cmds, err := ParseSolution("obj", tt.solution)
		if tt.want == nil {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "objective obj: its solution ") {
				t.Errorf("%q: error %v, want one containing %q", tt.solution, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.solution, err)
			continue
		}
		var got [][]string
		for _, c := range cmds {
			got = append(got, c.Args)
		}
		if strings.Join(flat(got), "|") != strings.Join(flat(tt.want), "|") {
			t.Errorf("%q: %q, want %q", tt.solution, got, tt.want)
		}
	}
}

func flat(cmds [][]string) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, strings.Join(c, "\x00"))
	}
	return out
}

func TestCommandString(t *testing.T) {
	c := Command{Args: []string{"docker", "inspect", "--format={{index .RepoDigests 0}}", "nginx"}}
	if got := c.String(); got != "docker inspect '--format={{index .RepoDigests 0}}' nginx" {
		t.Errorf("String() = %s", got)
	}
}

// The docker CLI is pointed at the daemon academy resolved: a named context
// by --context, anything else by DOCKER_HOST, with no stray DOCKER_HOST or
// DOCKER_CONTEXT left to override it.
func TestCLIFor(t *testing.T) {
	env := []string{"PATH=/bin", "DOCKER_HOST=tcp://elsewhere:2375", "DOCKER_CONTEXT=lab", "DOCKER_CERT_PATH=/certs"}
	byHost := CLIFor("/usr/bin/docker", dockerstate.Target{Host: "unix:///run/docker.sock", Context: dockerstate.DefaultContext}, env)
	if len(byHost.Args) != 0 || strings.Join(byHost.Env, " ") != "PATH=/bin DOCKER_CERT_PATH=/certs DOCKER_HOST=unix:///run/docker.sock" {
		t.Errorf("by host: %+v", byHost)
	}
	byContext := CLIFor("/usr/bin/docker", dockerstate.Target{Host: "ssh://lab", Context: "lab"}, env)
	if strings.Join(byContext.Args, " ") != "--context lab" || strings.Contains(strings.Join(byContext.Env, " "), "DOCKER_HOST") {
		t.Errorf("by context: %+v", byContext)
	}
}
