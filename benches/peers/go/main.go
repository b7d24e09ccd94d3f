// The official Go driver (github.com/neo4j/neo4j-go-driver) running the harness workloads,
// printing the same JSON line as benches/harness/src/bin/boltc.rs.
//
//	peers-go URI WORKLOAD [N] [THREADS]
//
// W1/W1b stream one result on one session (timer started after VerifyConnectivity); W2 runs 200
// untimed queries, then N timed `RETURN 1 AS n` on one session; W3 runs THREADS goroutines
// sharing one driver, each with its own session, after one untimed query each; W4 times N x
// (new driver, VerifyConnectivity, close). Go compiles ahead of time, so there is no JIT to
// warm: BENCH_WARMUP_ROUNDS (default 0) untimed rounds are honoured only to match the Java peer
// when asked. Credentials come from BENCH_USER / BENCH_PASSWORD (default neo4j / password).
// `cpu_s` is the process's CPU time (user + sys, all threads) spent in the timed part.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

const client = "go-neo4j-driver"
const return1Query = "RETURN 1 AS n"

var ctx = context.Background()

type timer struct {
	wall time.Time
	cpu  time.Duration
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func start() timer { return timer{wall: time.Now(), cpu: cpuNow()} }

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

func newDriver(uri string) neo4j.DriverWithContext {
	auth := neo4j.BasicAuth(env("BENCH_USER", "neo4j"), env("BENCH_PASSWORD", "password"), "")
	d, err := neo4j.NewDriverWithContext(uri, auth, func(c *config.Config) { c.FetchSize = 1000 })
	must(err)
	return d
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func maxRssKb() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "VmHWM:") {
			v, _ := strconv.ParseInt(strings.Fields(s.Text())[1], 10, 64)
			return v
		}
	}
	return 0
}

func report(workload string, ops int64, t timer, extra map[string]any) {
	secs := time.Since(t.wall).Seconds()
	cpu := (cpuNow() - t.cpu).Seconds()
	out := map[string]any{"client": client, "workload": workload, "ops": ops, "seconds": secs,
		"per_op_us": secs * 1e6 / float64(max(ops, 1)), "max_rss_kb": maxRssKb(), "cpu_s": cpu}
	for k, v := range extra {
		out[k] = v
	}
	line, err := json.Marshal(out)
	must(err)
	fmt.Println(string(line))
}

func queryFor(workload string, n int64) string {
	if workload == "w1" {
		return fmt.Sprintf("UNWIND range(1, %d) AS i RETURN i", n)
	}
	return fmt.Sprintf("UNWIND range(1, %d) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {k: i} AS m", n)
}

func newSession(d neo4j.DriverWithContext) neo4j.SessionWithContext {
	return d.NewSession(ctx, neo4j.SessionConfig{FetchSize: 1000})
}

func return1(s neo4j.SessionWithContext) error {
	res, err := s.Run(ctx, return1Query, nil)
	if err != nil {
		return err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return err
	}
	if v, ok := rec.Values[0].(int64); !ok || v != 1 {
		return fmt.Errorf("RETURN 1 gave %v", rec.Values[0])
	}
	return nil
}

func stream(s neo4j.SessionWithContext, query string) (rows, sum int64) {
	res, err := s.Run(ctx, query, nil)
	must(err)
	for res.Next(ctx) {
		if v, ok := res.Record().Values[0].(int64); ok {
			sum += v
		}
		rows++
	}
	must(res.Err())
	return rows, sum
}

func inGoroutines(d neo4j.DriverWithContext, threads int, count int64) {
	var wg sync.WaitGroup
	errs := make(chan error, threads)
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSession(d)
			defer s.Close(ctx)
			for i := int64(0); i < count; i++ {
				if err := return1(s); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(err)
	}
}

func reconnect(uri string, count int64) {
	for i := int64(0); i < count; i++ {
		d := newDriver(uri)
		must(d.VerifyConnectivity(ctx))
		must(d.Close(ctx))
	}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peers-go URI WORKLOAD [N] [THREADS]")
		os.Exit(2)
	}
	uri, workload := os.Args[1], os.Args[2]
	n := int64(-1)
	if len(os.Args) > 3 {
		v, err := strconv.ParseInt(os.Args[3], 10, 64)
		must(err)
		n = v
	}
	threads := 4
	if len(os.Args) > 4 {
		v, err := strconv.Atoi(os.Args[4])
		must(err)
		threads = v
	}
	warmup, err := strconv.Atoi(env("BENCH_WARMUP_ROUNDS", "0"))
	must(err)
	orDefault := func(d int64) int64 {
		if n < 0 {
			return d
		}
		return n
	}
	switch workload {
	case "w1", "w1b":
		query := queryFor(workload, orDefault(map[string]int64{"w1": 1_000_000, "w1b": 200_000}[workload]))
		d := newDriver(uri)
		defer d.Close(ctx)
		must(d.VerifyConnectivity(ctx))
		s := newSession(d)
		defer s.Close(ctx)
		for r := 0; r < warmup; r++ {
			stream(s, query)
		}
		t := start()
		rows, sum := stream(s, query)
		report(workload, rows, t, map[string]any{"rows": rows, "check": sum, "warmup_rounds": warmup})
	case "w2":
		count := orDefault(5000)
		d := newDriver(uri)
		defer d.Close(ctx)
		s := newSession(d)
		defer s.Close(ctx)
		for i := int64(0); i < min(count, 200)+int64(warmup)*count; i++ {
			must(return1(s))
		}
		t := start()
		for i := int64(0); i < count; i++ {
			must(return1(s))
		}
		report("w2", count, t, map[string]any{"warmup_rounds": warmup})
	case "w3":
		count := orDefault(2000)
		d := newDriver(uri)
		defer d.Close(ctx)
		inGoroutines(d, threads, 1)
		for r := 0; r < warmup; r++ {
			inGoroutines(d, threads, count)
		}
		t := start()
		inGoroutines(d, threads, count)
		report("w3", count*int64(threads), t, map[string]any{"threads": threads, "warmup_rounds": warmup})
	case "w4":
		count := orDefault(200)
		for r := 0; r < warmup; r++ {
			reconnect(uri, count)
		}
		t := start()
		reconnect(uri, count)
		report("w4", count, t, map[string]any{"warmup_rounds": warmup})
	default:
		fmt.Fprintln(os.Stderr, "unknown workload", workload)
		os.Exit(2)
	}
}
