package dockerstate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// configDir makes a docker CLI configuration directory: config.json with
// currentContext (when not empty) and the given contexts' meta.json.
func configDir(t *testing.T, current string, contexts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if current != "" {
		writeFile(t, filepath.Join(dir, "config.json"), `{"auths":{},"currentContext":"`+current+`"}`)
	}
	for name, host := range contexts {
		writeFile(t, filepath.Join(contextDir(dir, "meta", name), "meta.json"),
			`{"Name":"`+name+`","Metadata":{"Description":"a lab"},"Endpoints":{"docker":{"Host":"`+host+`","SkipTLSVerify":false}}}`)
	}
	return dir
}

// contextDir is where the docker CLI keeps a context's files of a kind
// (meta, tls): named by the SHA-256 of the context's name.
func contextDir(config, kind, name string) string {
	sum := sha256.Sum256([]byte(name))
	return filepath.Join(config, "contexts", kind, hex.EncodeToString(sum[:]))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// The docker CLI's order: --context, --host, DOCKER_HOST, DOCKER_CONTEXT,
// currentContext, default; each answer says why.
func TestResolveOrder(t *testing.T) {
	contexts := map[string]string{
		"lab":    "tcp://lab.example:2375",
		"remote": "ssh://me@remote.example:2222",
		"desk":   "unix:///home/me/.docker/desktop/docker.sock",
		"empty":  "",
	}
	cfg := configDir(t, "desk", contexts)
	noCurrent := configDir(t, "", contexts)
	tests := []struct {
		name         string
		opts         Options
		env          map[string]string
		wantHost     string
		wantSource   string
		wantContext  string
		wantWarnings []string
	}{
		{
			name:     "nothing set: the platform default",
			env:      map[string]string{"DOCKER_CONFIG": noCurrent},
			wantHost: "unix:///var/run/docker.sock", wantSource: "default", wantContext: "default",
		},
		{
			name:     "currentContext in config.json",
			env:      map[string]string{"DOCKER_CONFIG": cfg},
			wantHost: "unix:///home/me/.docker/desktop/docker.sock", wantContext: "desk",
			wantSource: `context "desk" (currentContext in ` + filepath.Join(cfg, "config.json") + `)`,
		},
		{
			name:     "HOME/.docker when DOCKER_CONFIG is unset",
			env:      map[string]string{"HOME": filepath.Dir(cfg)},
			wantHost: "unix:///var/run/docker.sock", wantSource: "default", wantContext: "default",
		},
		{
			name:     "DOCKER_CONTEXT over currentContext",
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "lab"},
			wantHost: "tcp://lab.example:2375", wantSource: `context "lab" (DOCKER_CONTEXT)`, wantContext: "lab",
		},
		{
			name:     "DOCKER_HOST over DOCKER_CONTEXT, with the docker CLI's warning",
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "lab", "DOCKER_HOST": "tcp://10.0.0.7:2375"},
			wantHost: "tcp://10.0.0.7:2375", wantSource: "DOCKER_HOST", wantContext: "default",
			wantWarnings: []string{"DOCKER_HOST overrides DOCKER_CONTEXT=lab, as for the docker CLI; unset DOCKER_HOST to use the context"},
		},
		{
			name:     "DOCKER_HOST over currentContext",
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "unix:///run/user/1000/docker.sock"},
			wantHost: "unix:///run/user/1000/docker.sock", wantSource: "DOCKER_HOST", wantContext: "default",
			wantWarnings: []string{`DOCKER_HOST overrides the current context "desk", as for the docker CLI; unset DOCKER_HOST to use the context`},
		},
		{
			name:     "--host over DOCKER_HOST and DOCKER_CONTEXT, silently",
			opts:     Options{Host: "tcp://pc7.lab:2376"},
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "lab", "DOCKER_HOST": "tcp://10.0.0.7:2375"},
			wantHost: "tcp://pc7.lab:2376", wantSource: "--host flag", wantContext: "default",
		},
		{
			name:     "a caller's name for the host",
			opts:     Options{Host: "ssh://me@pc7", HostSource: "--hosts class.txt line 3"},
			env:      map[string]string{},
			wantHost: "ssh://me@pc7", wantSource: "--hosts class.txt line 3", wantContext: "default",
		},
		{
			name:     "--context over DOCKER_HOST",
			opts:     Options{Context: "remote"},
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://10.0.0.7:2375"},
			wantHost: "ssh://me@remote.example:2222", wantSource: `context "remote" (--context flag)`, wantContext: "remote",
		},
		{
			name:     "--context default is the default context, DOCKER_HOST included",
			opts:     Options{Context: "default"},
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://10.0.0.7:2375"},
			wantHost: "tcp://10.0.0.7:2375", wantSource: "DOCKER_HOST", wantContext: "default",
		},
		{
			name:     "DOCKER_CONTEXT=default over currentContext",
			env:      map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "default"},
			wantHost: "unix:///var/run/docker.sock", wantSource: "default", wantContext: "default",
		},
		{
			name:     "a context without a host is the platform default, as for the docker CLI",
			opts:     Options{Context: "empty"},
			env:      map[string]string{"DOCKER_CONFIG": cfg},
			wantHost: "unix:///var/run/docker.sock", wantSource: `context "empty" (--context flag)`, wantContext: "empty",
		},
		{
			name:     "DOCKER_TLS_VERIFY with no host: the TLS default, as the docker CLI",
			env:      map[string]string{"DOCKER_CONFIG": noCurrent, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": tlsDir(t, false)},
			wantHost: "tcp://localhost:2376", wantSource: "default", wantContext: "default",
		},
		{
			name:     "DOCKER_CERT_PATH without DOCKER_TLS_VERIFY: no TLS, as the docker CLI, and a warning",
			env:      map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CERT_PATH": "/nowhere"},
			wantHost: "tcp://h:2376", wantSource: "DOCKER_HOST", wantContext: "default",
			wantWarnings: []string{"DOCKER_CERT_PATH is set but TLS is off, as for the docker CLI; set DOCKER_TLS_VERIFY=1 to use it"},
		},
		{
			name:     "an unreadable config.json is a warning, as for the docker CLI",
			env:      map[string]string{"DOCKER_CONFIG": brokenConfig(t)},
			wantHost: "unix:///var/run/docker.sock", wantSource: "default", wantContext: "default",
			wantWarnings: []string{"ignoring "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = envOf(tt.env)
			got, err := Resolve(tt.opts)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got.Host != tt.wantHost || got.Source != tt.wantSource || got.Context != tt.wantContext {
				t.Errorf("Resolve = host %q, source %q, context %q; want %q, %q, %q",
					got.Host, got.Source, got.Context, tt.wantHost, tt.wantSource, tt.wantContext)
			}
			if len(got.Warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings = %q, want %q", got.Warnings, tt.wantWarnings)
			}
			for i, w := range tt.wantWarnings {
				if !strings.HasPrefix(got.Warnings[i], w) {
					t.Errorf("warning %d = %q, want %q", i, got.Warnings[i], w)
				}
			}
		})
	}
}

func brokenConfig(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.json"), `{"currentContext": `)
	return dir
}

// Every wrong setting is a *ConfigError naming it, found before anything
// is dialled: the caller makes it a usage error.
func TestResolveErrors(t *testing.T) {
	cfg := configDir(t, "ghost", map[string]string{"bad": "ftp://lab:21"})
	writeFile(t, filepath.Join(contextDir(cfg, "meta", "nodocker"), "meta.json"), `{"Name":"nodocker","Endpoints":{}}`)
	writeFile(t, filepath.Join(contextDir(cfg, "meta", "garbled"), "meta.json"), `{"Name":`)
	tests := []struct {
		name       string
		opts       Options
		env        map[string]string
		wantSource string
		want       []string
	}{
		{"--host and --context", Options{Host: "unix:///x", Context: "lab"}, nil,
			"--host and --context", []string{"conflicting options: cannot specify both --host and --context"}},
		{"--context default with --host too", Options{Host: "unix:///x", Context: "default"}, nil,
			"--host and --context", []string{"conflicting options"}},
		{"unsupported scheme in DOCKER_HOST", Options{}, map[string]string{"DOCKER_HOST": "ftp://lab7:21"},
			`DOCKER_HOST="ftp://lab7:21"`, []string{`unsupported scheme "ftp://"`, "unix://", "tcp://", "ssh://"}},
		{"unsupported scheme in --host", Options{Host: "foo://"}, nil,
			`--host flag "foo://"`, []string{`unsupported scheme "foo://"`}},
		{"http:// is not a Docker endpoint", Options{Host: "http://lab7:2375"}, nil,
			`--host flag "http://lab7:2375"`, []string{"tcp://"}},
		{"fd:// is for daemons", Options{Host: "fd://"}, nil,
			`--host flag "fd://"`, []string{"where a daemon listens"}},
		{"malformed port", Options{Host: "tcp://lab7:port"}, nil,
			`--host flag "tcp://lab7:port"`, []string{"invalid port"}},
		{"port out of range", Options{Host: "tcp://lab7:99999"}, nil,
			`--host flag "tcp://lab7:99999"`, []string{"invalid port"}},
		{"nested scheme", Options{Host: "tcp://unix://x"}, nil,
			`--host flag "tcp://unix://x"`, []string{"invalid address"}},
		{"ssh with a password", Options{Host: "ssh://me:secret@lab7"}, nil,
			`--host flag "ssh://me:secret@lab7"`, []string{"password"}},
		{"ssh without a host", Options{Host: "ssh://me@"}, nil,
			`--host flag "ssh://me@"`, []string{"host name is empty"}},
		{"ssh with a query", Options{Host: "ssh://lab7?x=1"}, nil,
			`--host flag "ssh://lab7?x=1"`, []string{"query"}},
		{"DOCKER_API_VERSION below the minimum", Options{}, map[string]string{"DOCKER_API_VERSION": "1.24"},
			"DOCKER_API_VERSION=1.24", []string{"older than the oldest Engine API this client speaks (1.40)", "unset DOCKER_API_VERSION"}},
		{"DOCKER_API_VERSION not a version", Options{}, map[string]string{"DOCKER_API_VERSION": "latest"},
			"DOCKER_API_VERSION=latest", []string{"not an API version"}},
		{"a context that does not exist", Options{Context: "nope"}, map[string]string{"DOCKER_CONFIG": cfg},
			`context "nope" (--context flag)`, []string{"context not found", "docker context ls"}},
		{"currentContext that does not exist", Options{}, map[string]string{"DOCKER_CONFIG": cfg},
			`context "ghost" (currentContext in ` + filepath.Join(cfg, "config.json") + ")", []string{"context not found"}},
		{"DOCKER_CONTEXT without a config directory", Options{}, map[string]string{"DOCKER_CONTEXT": "lab"},
			`context "lab" (DOCKER_CONTEXT)`, []string{"neither DOCKER_CONFIG nor HOME"}},
		{"a context with a bad host", Options{Context: "bad"}, map[string]string{"DOCKER_CONFIG": cfg},
			`context "bad" (--context flag)`, []string{`unsupported scheme "ftp://"`}},
		{"a context without a docker endpoint", Options{Context: "nodocker"}, map[string]string{"DOCKER_CONFIG": cfg},
			`context "nodocker" (--context flag)`, []string{"cannot find docker endpoint in context"}},
		{"a garbled context", Options{Context: "garbled"}, map[string]string{"DOCKER_CONFIG": cfg},
			`context "garbled" (--context flag)`, []string{"meta.json"}},
		{"DOCKER_TLS_VERIFY without ca.pem", Options{Host: "tcp://h:2376"}, map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": t.TempDir()},
			"DOCKER_TLS_VERIFY", []string{"ca.pem", "DOCKER_CERT_PATH"}},
		{"DOCKER_TLS with a CA that is not PEM", Options{Host: "tcp://h:2376"}, map[string]string{"DOCKER_TLS": "1", "DOCKER_CERT_PATH": notPEM(t)},
			"DOCKER_CERT_PATH", []string{"holds no PEM certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = envOf(tt.env)
			_, err := Resolve(tt.opts)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Resolve = %v (%T), want a *ConfigError", err, err)
			}
			if ce.Source != tt.wantSource {
				t.Errorf("Source = %q, want %q", ce.Source, tt.wantSource)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, w := range append([]string{tt.wantSource}, tt.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			// Open says the same, before dialling anything.
			if _, err := Open(tt.opts); !errors.As(err, &ce) {
				t.Errorf("Open = %v, want the *ConfigError", err)
			}
		})
	}
}

func notPEM(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ca.pem"), "not a certificate")
	return dir
}

// Hosts are normalised as the docker CLI's ParseHost does.
func TestParseHost(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "unix:///var/run/docker.sock",
		"  ":                          "unix:///var/run/docker.sock",
		"unix://":                     "unix:///var/run/docker.sock",
		"unix:///run/docker.sock":     "unix:///run/docker.sock",
		"/run/user/1000/docker.sock":  "unix:///run/user/1000/docker.sock",
		"tcp://":                      "tcp://localhost:2375",
		"tcp://lab7":                  "tcp://lab7:2375",
		"tcp://:2376":                 "tcp://localhost:2376",
		"lab7:2376":                   "tcp://lab7:2376",
		"tcp://[::1]:":                "tcp://[::1]:2375",
		"tcp://10.0.0.7:2376/prefix":  "tcp://10.0.0.7:2376/prefix",
		" tcp://lab7:2376 ":           "tcp://lab7:2376",
		"ssh://me@lab7":               "ssh://me@lab7",
		"ssh://me@lab7:2222/run/d.sk": "ssh://me@lab7:2222/run/d.sk",
	} {
		got, err := parseHost(in, false)
		if err != nil || got != want {
			t.Errorf("parseHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, _ := parseHost("", true); got != "tcp://localhost:2376" {
		t.Errorf("parseHost(\"\", tls) = %q, want the TLS default", got)
	}
}

// ssh gets the docker CLI's connection helper's arguments.
func TestSSHArgs(t *testing.T) {
	for in, want := range map[string][]string{
		"ssh://lab7":                    {"-o", "ConnectTimeout=30", "-T", "--", "lab7", "docker", "system", "dial-stdio"},
		"ssh://me@lab7:2222":            {"-o", "ConnectTimeout=30", "-T", "-l", "me", "-p", "2222", "--", "lab7", "docker", "system", "dial-stdio"},
		"ssh://me@lab7/run/docker.sock": {"-o", "ConnectTimeout=30", "-T", "-l", "me", "--", "lab7", "docker", "--host=unix:///run/docker.sock", "system", "dial-stdio"},
		"ssh://-oProxyCommand=x@lab7":   {"-o", "ConnectTimeout=30", "-T", "-l", "-oProxyCommand=x", "--", "lab7", "docker", "system", "dial-stdio"},
		// ssh hands the remote words to a shell: a path cannot add a command.
		"ssh://u@h/run/x.sock;touch%20/tmp/pwned;": {"-o", "ConnectTimeout=30", "-T", "-l", "u", "--", "h", "docker",
			"'--host=unix:///run/x.sock;touch /tmp/pwned;'", "system", "dial-stdio"},
		"ssh://u@h/run/it's.sock": {"-o", "ConnectTimeout=30", "-T", "-l", "u", "--", "h", "docker",
			`'--host=unix:///run/it'\''s.sock'`, "system", "dial-stdio"},
	} {
		s, err := parseSSH(in)
		if err != nil {
			t.Fatalf("parseSSH(%s): %v", in, err)
		}
		if got := s.args(); !reflect.DeepEqual(got, want) {
			t.Errorf("args(%s) = %q, want %q", in, got, want)
		}
	}
}

// Messages reach a terminal: what it would act on is escaped.
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		"two\nlines\r\n* and a third": "two lines * and a third",
		"\x1b]0;pwned\x07title":       `\x1b]0;pwned\x07title`,
		"evil\u202etxt.exe":           `evil\u202etxt.exe`,
		"bad \xff byte":               `bad \ufffd byte`,
		"naïve ünïcode":               "naïve ünïcode",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
