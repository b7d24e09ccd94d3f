// The official Java driver (org.neo4j.driver:neo4j-java-driver, synchronous API) running the
// harness workloads, printing the same JSON line as benches/harness/src/bin/boltc.rs.
//
//     java -cp CLASSPATH BenchJava URI WORKLOAD [N] [THREADS]
//
// The workloads are the other peers': W1/W1b stream one result on one session (timer started
// after verifyConnectivity); W2 runs 200 untimed queries, then N timed `RETURN 1 AS n` on one
// session; W3 runs THREADS threads sharing one driver, each with its own session, after one
// untimed query per thread; W4 times N x (new driver, verifyConnectivity, close).
//
// JIT warm-up: before the timed run, the workload's timed part runs BENCH_WARMUP_ROUNDS times
// untimed in the same process (default 2; 0 gives the cold figure; W4's rounds are 20 drivers
// each), so the reported time is the JIT-compiled driver's, not the interpreter's.
// BENCHMARKS.md says which was run. The process CPU clock (OperatingSystemMXBean) counts in
// 10 ms ticks on Linux: `cpu_s` is exact only to that. W4's time is mostly Driver.close(),
// which waits for the driver's Netty event loops to wind down (a quiet period of about 0.2 s).
// Credentials come from BENCH_USER / BENCH_PASSWORD (default neo4j / password). Besides wall
// time, the line carries `cpu_s`: the process's CPU time (user + sys, all threads, including
// the JVM's compiler and GC threads) spent in the timed part.

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;

public final class BenchJava {
    private static final String CLIENT = "java-neo4j-driver";
    private static final String RETURN_1 = "RETURN 1 AS n";
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private BenchJava() {}

    /** Wall clock and process CPU at the start of a timed part. */
    private record Timer(long wallNanos, long cpuNanos) {
        static Timer start() {
            return new Timer(System.nanoTime(), OS.getProcessCpuTime());
        }
    }

    private static AuthToken auth() {
        String user = System.getenv().getOrDefault("BENCH_USER", "neo4j");
        String password = System.getenv().getOrDefault("BENCH_PASSWORD", "password");
        return AuthTokens.basic(user, password);
    }

    @SuppressWarnings("deprecation")
    private static Driver newDriver(String uri) {
        // Logging off: the other peers log nothing either.
        Config config = Config.builder().withFetchSize(1000).withLogging(Logging.none()).build();
        return GraphDatabase.driver(uri, auth(), config);
    }

    private static String queryFor(String workload, long n) {
        if (workload.equals("w1")) {
            return "UNWIND range(1, " + n + ") AS i RETURN i";
        }
        return "UNWIND range(1, " + n + ") AS i RETURN i, 'name-' + toString(i) AS s, "
                + "[i, i + 1] AS l, {k: i} AS m";
    }

    private static long maxRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.split("\\s+")[1]);
                }
            }
        } catch (Exception e) {
            // Not Linux: report 0, as the other clients do.
        }
        return 0;
    }

    private static void report(String workload, long ops, Timer started, String extra) {
        double secs = (System.nanoTime() - started.wallNanos()) / 1e9;
        double cpu = (OS.getProcessCpuTime() - started.cpuNanos()) / 1e9;
        System.out.println(String.format(Locale.ROOT,
                "{\"client\": \"%s\", \"workload\": \"%s\", \"ops\": %d, \"seconds\": %.6f, "
                        + "\"per_op_us\": %.3f, \"max_rss_kb\": %d, \"cpu_s\": %.6f%s}",
                CLIENT, workload, ops, secs, secs * 1e6 / Math.max(ops, 1), maxRssKb(), cpu, extra));
    }

    private static void return1(Session session) {
        long v = session.run(RETURN_1).single().get(0).asLong();
        if (v != 1) {
            throw new IllegalStateException("RETURN 1 gave " + v);
        }
    }

    /** Streams one result on `session`; returns {rows, sum of the first column}. */
    private static long[] stream(Session session, String query) {
        long rows = 0;
        long sum = 0;
        Result result = session.run(query);
        while (result.hasNext()) {
            Record record = result.next();
            sum += record.get(0).asLong();
            rows++;
        }
        return new long[] {rows, sum};
    }

    private static void inThreads(Driver driver, int threads, long count) throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try (Session session = driver.session()) {
                    for (long i = 0; i < count; i++) {
                        return1(session);
                    }
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException("a W3 thread failed", failure[0]);
        }
    }

    private static void reconnect(String uri, long count) {
        for (long i = 0; i < count; i++) {
            try (Driver driver = newDriver(uri)) {
                driver.verifyConnectivity();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: BenchJava URI WORKLOAD [N] [THREADS]");
            System.exit(2);
        }
        String uri = args[0];
        String workload = args[1];
        Long nArg = args.length > 2 ? Long.valueOf(args[2]) : null;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_ROUNDS", "2"));
        switch (workload) {
            case "w1", "w1b" -> {
                long n = nArg != null ? nArg : (workload.equals("w1") ? 1_000_000 : 200_000);
                String query = queryFor(workload, n);
                try (Driver driver = newDriver(uri)) {
                    driver.verifyConnectivity();
                    try (Session session = driver.session()) {
                        for (int r = 0; r < warmup; r++) {
                            stream(session, query);
                        }
                        Timer started = Timer.start();
                        long[] got = stream(session, query);
                        report(workload, got[0], started,
                                ", \"rows\": " + got[0] + ", \"check\": " + got[1] + ", \"warmup_rounds\": " + warmup);
                    }
                }
            }
            case "w2" -> {
                long n = nArg != null ? nArg : 5000;
                try (Driver driver = newDriver(uri); Session session = driver.session()) {
                    for (long i = 0; i < Math.min(n, 200) + warmup * n; i++) {
                        return1(session);
                    }
                    Timer started = Timer.start();
                    for (long i = 0; i < n; i++) {
                        return1(session);
                    }
                    report("w2", n, started, ", \"warmup_rounds\": " + warmup);
                }
            }
            case "w3" -> {
                long n = nArg != null ? nArg : 2000;
                try (Driver driver = newDriver(uri)) {
                    inThreads(driver, threads, 1);
                    for (int r = 0; r < warmup; r++) {
                        inThreads(driver, threads, n);
                    }
                    Timer started = Timer.start();
                    inThreads(driver, threads, n);
                    report("w3", n * threads, started, ", \"threads\": " + threads + ", \"warmup_rounds\": " + warmup);
                }
            }
            case "w4" -> {
                long n = nArg != null ? nArg : 200;
                // Each close() waits for the driver's Netty event loops to wind down (about half a
                // second), which no JIT warm-up shortens: the warm-up rounds are 20 drivers each.
                for (int r = 0; r < warmup; r++) {
                    reconnect(uri, Math.min(n, 20));
                }
                Timer started = Timer.start();
                reconnect(uri, n);
                report("w4", n, started, ", \"warmup_rounds\": " + warmup);
            }
            default -> {
                System.err.println("unknown workload " + workload);
                System.exit(2);
            }
        }
    }
}
