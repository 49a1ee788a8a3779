// Command watchlatency measures how long `academy check --watch` takes to
// show a new report after `docker tag` returns, against the time the
// docker CLI's own `docker events` takes to print the same tag event: the
// baseline, measured in the same run.
//
//	go run ./internal/cmd/watchlatency -academy PATH [-rounds N]
//
// It makes two tiny images under a name of its own (docker import of a tar
// it writes), moves one tag between them N times, and removes all it made.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	academy := flag.String("academy", "", "the academy binary to measure")
	rounds := flag.Int("rounds", 30, "tags to time")
	flag.Parse()
	if *academy == "" {
		log.Fatal("-academy PATH is required")
	}
	prefix := fmt.Sprintf("academy-watchbench-%08x", rand.Uint32())
	a, b := prefix+"/my-app:v1", prefix+"/other:v1"
	repo := prefix + "/cloudcorp/my-app"
	defer func() {
		out, _ := exec.Command("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}").Output()
		for _, ref := range strings.Fields(string(out)) {
			if strings.HasPrefix(ref, prefix+"/") {
				exec.Command("docker", "rmi", "-f", ref).Run()
			}
		}
	}()
	mustImport(a, "a")
	mustImport(b, "b")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "watchlatency")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The watch never passes (1.0.0 is never made): every tag brings one
	// more report line.
	watch := lines(ctx, *academy, "check", "zone7", "multi-tag", "--watch", "-o", "json", "-C", dir,
		"--var", "image="+a, "--var", "repo="+repo)
	events := lines(ctx, "docker", "events", "--filter", "type=image", "--filter", "event=tag",
		"--filter", "image="+repo, "--format", "{{.Actor.Attributes.name}}")
	<-watch // the first report
	time.Sleep(500 * time.Millisecond)

	var academyLat, dockerLat, afterReturn []time.Duration
	for i := range *rounds {
		src := a
		if i%2 == 0 {
			src = b
		}
		start := time.Now()
		if err := exec.Command("docker", "tag", src, repo+":latest").Run(); err != nil {
			log.Fatal(err)
		}
		tagged := time.Now()
		var gotReport, gotEvent time.Time
		for gotReport.IsZero() || gotEvent.IsZero() {
			select {
			case t := <-watch:
				gotReport = t
			case t := <-events:
				gotEvent = t
			case <-time.After(10 * time.Second):
				log.Fatalf("round %d: no report or event in 10 s", i)
			}
		}
		afterReturn = append(afterReturn, max(gotReport.Sub(tagged), 0))
		academyLat = append(academyLat, gotReport.Sub(start))
		dockerLat = append(dockerLat, gotEvent.Sub(start))
	}
	am, dm := median(academyLat), median(dockerLat)
	fmt.Printf("%d rounds (median, max):\n", *rounds)
	fmt.Printf("  from docker tag returning to academy's new report:  %v, %v\n", median(afterReturn), slices.Max(afterReturn))
	fmt.Printf("  from docker tag starting to academy's new report:   %v, %v\n", am, slices.Max(academyLat))
	fmt.Printf("  from docker tag starting to docker events' line:    %v, %v\n", dm, slices.Max(dockerLat))
	fmt.Printf("  ratio academy / docker events (from the start):     %.2f×\n", float64(am)/float64(dm))
}

// lines runs a command and sends the time each line of its stdout arrives.
func lines(ctx context.Context, name string, args ...string) <-chan time.Time {
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	ch := make(chan time.Time, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			ch <- time.Now()
		}
		io.Copy(io.Discard, out)
	}()
	return ch
}

func mustImport(ref, payload string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "payload", Mode: 0o644, Size: int64(len(payload))})
	tw.Write([]byte(payload))
	tw.Close()
	cmd := exec.Command("docker", "import", "-", ref)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("docker import %s: %v: %s", ref, err, out)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
