package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// maxRSS is the memory any archive may cost, whatever it holds.
const maxRSS = 256 << 20

// TestHostileMemory verifies each hostile archive in a process of its own,
// with the real limits, and bounds its peak resident memory. It logs the
// figures (go test -run TestHostileMemory -v ./pkg/archive/).
func TestHostileMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measures a child process's memory; not in -short or -race")
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"index chain 16×4":           indexChainArchive(t, 16, 4),
		"10000 entries, one config":  sharedConfigArchive(t, MaxImages, 15<<20),
		"5000 zstd bombs of 64 MiB":  zstdBombsArchive(t, 5000, 64<<20),
		"16 MiB of {} descriptors":   emptyDescriptorsArchive(t, MaxJSONSize-1024),
		"xz, 4 GiB dictionary later": xzSecondStream(t),
		"gzip bomb, 8 GiB":           gzipBomb(t, "blobs/sha256/"+fmt.Sprintf("%064d", 0), 8<<30),
		"bzip2 bomb, 3 GiB of 45x blocks": func() []byte {
			// A tar header and 100 MiB of zeros, then 29 more streams of
			// zeros: every block expands 45 times.
			var hdr bytes.Buffer
			tw := tar.NewWriter(&hdr)
			tw.WriteHeader(&tar.Header{Name: "zeros", Size: 3 << 30, Mode: 0o644})
			tw.Flush()
			zeros := bzip2CLI(t, make([]byte, 100<<20), "-9")
			out := bzip2CLI(t, append(hdr.Bytes(), make([]byte, 100<<20)...), "-9")
			for range 29 {
				out = append(out, zeros...)
			}
			return out
		}(),
		"zstd 128 MiB window, 300 MiB": func() []byte {
			var tarBuf bytes.Buffer
			tarBuf.Write(writeTar(t, []tarFile{{name: "zeros", body: make([]byte, 300<<20)}}))
			zw, _ := zstd.NewWriter(nil, zstd.WithWindowSize(MaxZstdWindow), zstd.WithEncoderLevel(zstd.SpeedFastest))
			return zw.EncodeAll(tarBuf.Bytes(), nil)
		}(),
	}
	for name, data := range cases {
		file := filepath.Join(dir, "hostile.tar")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHostileMemoryChild$")
		cmd.Env = append(os.Environ(), "ACADEMY_RSS_FILE="+file)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var rss int64
		if _, err := fmt.Sscanf(string(out[bytes.Index(out, []byte("VmHWM:")):]), "VmHWM: %d kB", &rss); err != nil {
			t.Fatalf("%s: no VmHWM in %s", name, out)
		}
		rss <<= 10
		t.Logf("%-30s %7s file: peak RSS %9s, %v", name, HumanSize(int64(len(data))), HumanSize(rss), took.Round(10*time.Millisecond))
		if rss > maxRSS {
			t.Errorf("%s: peak RSS %s, more than %s", name, HumanSize(rss), HumanSize(maxRSS))
		}
	}
}

// TestHostileMemoryChild is the child of TestHostileMemory: it verifies
// one file and prints the verdict.
func TestHostileMemoryChild(t *testing.T) {
	file := os.Getenv("ACADEMY_RSS_FILE")
	if file == "" {
		t.Skip("run by TestHostileMemory")
	}
	_, err := VerifyFile(context.Background(), file, Options{})
	fmt.Println("verdict:", err)
	// The peak of this process's own memory (rusage would count the
	// parent's pages that the fork shared).
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range bytes.Split(status, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("VmHWM:")) {
			fmt.Println(string(bytes.Join(bytes.Fields(line), []byte(" "))))
		}
	}
}
