package class

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseHosts: whatever the bytes, ParseHosts returns hosts whose names
// and endpoints are unique and free of blanks, or one error on one line.
func FuzzParseHosts(f *testing.F) {
	f.Add([]byte("pc1 tcp://10.0.0.1:2376\npc2 ssh://ada@pc2 digest=x # c\nunix:///var/run/docker.sock\n"))
	f.Add([]byte("# nothing\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := ParseHosts("f.txt", bytes.NewReader(data))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) && !strings.HasPrefix(err.Error(), "reading f.txt") {
				t.Fatalf("err %T %v", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		names, endpoints := map[string]bool{}, map[string]bool{}
		for _, h := range hosts {
			if names[h.Name] || endpoints[h.Endpoint] {
				t.Fatalf("duplicate host %+v", h)
			}
			names[h.Name], endpoints[h.Endpoint] = true, true
			if strings.ContainsAny(h.Name+h.Endpoint, " \t\r\n") || h.Name == "" || h.Endpoint == "" {
				t.Fatalf("host %+v", h)
			}
		}
		if len(hosts) > MaxHosts {
			t.Fatalf("%d hosts", len(hosts))
		}
	})
}
