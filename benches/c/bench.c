/* boltc's C API running the harness workloads, printing the same JSON line as
 * benches/harness/src/bin/boltc.rs (see there for what each workload does).
 *
 *   bench URI WORKLOAD [N] [THREADS]      (built by benches/run.sh against target/release)
 *
 * Credentials come from BENCH_USER / BENCH_PASSWORD (default neo4j / password). Records are
 * read with boltc_result_next_batch (1000 rows per call), the C API's fast path, and the
 * summed first column with boltc_batch_column_int.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "boltc.h"

static const char *uri;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process CPU time (user + sys, all threads) when the timed part started. */
static double cpu_started;

/* Starts the timed part: returns the wall-clock start and remembers the CPU time. */
static double start_timer(void) {
    cpu_started = cpu_now();
    return now();
}

static long max_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

static void report(const char *workload, unsigned long ops, double started, const char *extra) {
    double secs = now() - started;
    double cpu = cpu_now() - cpu_started;
    printf("{\"client\": \"boltc-c\", \"workload\": \"%s\", \"ops\": %lu, \"seconds\": %.6f, "
           "\"per_op_us\": %.3f, \"max_rss_kb\": %ld, \"cpu_s\": %.6f%s}\n",
           workload, ops, secs, secs * 1e6 / (double)(ops ? ops : 1), max_rss_kb(), cpu, extra);
}

static void check(boltc_status st, boltc_error *err, const char *what) {
    if (st != BOLTC_STATUS_OK) {
        fprintf(stderr, "error: %s: %s (%s)\n", what, err ? boltc_error_message(err) : "?",
                boltc_status_name(st));
        exit(1);
    }
}

static boltc_driver *new_driver(void) {
    const char *user = getenv("BENCH_USER");
    const char *password = getenv("BENCH_PASSWORD");
    boltc_error *err = NULL;
    boltc_config *cfg = NULL;
    boltc_driver *driver = NULL;
    check(boltc_config_new(uri, &cfg, &err), err, "config");
    check(boltc_config_set_basic_auth(cfg, user ? user : "neo4j", password ? password : "password", &err),
          err, "auth");
    check(boltc_config_set_fetch_size(cfg, 1000, &err), err, "fetch size");
    check(boltc_driver_new(cfg, &driver, &err), err, "driver");
    boltc_config_free(cfg);
    return driver;
}

static void stream(const char *workload, const char *query) {
    boltc_error *err = NULL;
    boltc_driver *driver = new_driver();
    boltc_session *session = NULL;
    boltc_result *result = NULL;
    check(boltc_driver_verify_connectivity(driver, &err), err, "verify");
    check(boltc_driver_session(driver, NULL, &session, &err), err, "session");
    double started = start_timer();
    check(boltc_session_run_cstr(session, query, NULL, &result, &err), err, "run");
    unsigned long rows = 0;
    long long sum = 0;
    for (;;) {
        boltc_batch *batch = NULL;
        check(boltc_result_next_batch(result, 1000, &batch, &err), err, "fetch");
        size_t n = boltc_batch_rows(batch);
        /* The first column as ints in one call (boltc_batch_column_int); a column of other
         * values (none in these workloads) would be read value by value. */
        static int64_t ints[1000];
        if (n <= 1000 && boltc_batch_column_int(batch, 0, ints, 1000, NULL) == BOLTC_STATUS_OK) {
            for (size_t row = 0; row < n; row++) {
                sum += ints[row];
            }
        } else {
            for (size_t row = 0; row < n; row++) {
                int64_t v = 0;
                if (boltc_value_as_int(boltc_batch_value(batch, row, 0), &v, NULL) == BOLTC_STATUS_OK) {
                    sum += v;
                }
            }
        }
        rows += n;
        bool more = boltc_batch_has_more(batch);
        boltc_batch_free(batch);
        if (!more) {
            break;
        }
    }
    char extra[96];
    snprintf(extra, sizeof extra, ", \"rows\": %lu, \"check\": %lld", rows, sum);
    report(workload, rows, started, extra);
    boltc_result_free(result);
    boltc_session_free(session);
    boltc_driver_free(driver);
}

static void return_1(boltc_session *session) {
    boltc_error *err = NULL;
    boltc_result *result = NULL;
    boltc_record *record = NULL;
    int64_t v = 0;
    check(boltc_session_run_cstr(session, "RETURN 1 AS n", NULL, &result, &err), err, "run");
    check(boltc_result_single(result, &record, &err), err, "single");
    check(boltc_value_as_int(boltc_record_get(record, 0), &v, &err), err, "as_int");
    if (v != 1) {
        fprintf(stderr, "error: RETURN 1 gave %lld\n", (long long)v);
        exit(1);
    }
    boltc_record_free(record);
    boltc_result_free(result);
}

static void sequential(unsigned long n) {
    boltc_error *err = NULL;
    boltc_driver *driver = new_driver();
    boltc_session *session = NULL;
    check(boltc_driver_session(driver, NULL, &session, &err), err, "session");
    for (unsigned long i = 0; i < (n < 200 ? n : 200); i++) {
        return_1(session);
    }
    double started = start_timer();
    for (unsigned long i = 0; i < n; i++) {
        return_1(session);
    }
    report("w2", n, started, "");
    boltc_session_free(session);
    boltc_driver_free(driver);
}

struct worker {
    boltc_driver *driver;
    unsigned long n;
    pthread_t thread;
};

static void *work(void *arg) {
    struct worker *w = arg;
    boltc_error *err = NULL;
    boltc_session *session = NULL;
    check(boltc_driver_session(w->driver, NULL, &session, &err), err, "session");
    for (unsigned long i = 0; i < w->n; i++) {
        return_1(session);
    }
    boltc_session_free(session);
    return NULL;
}

static void in_threads(boltc_driver *driver, unsigned long threads, unsigned long n) {
    struct worker *ws = calloc(threads, sizeof *ws);
    for (unsigned long t = 0; t < threads; t++) {
        ws[t].driver = driver;
        ws[t].n = n;
        pthread_create(&ws[t].thread, NULL, work, &ws[t]);
    }
    for (unsigned long t = 0; t < threads; t++) {
        pthread_join(ws[t].thread, NULL);
    }
    free(ws);
}

static void concurrent(unsigned long n, unsigned long threads) {
    boltc_driver *driver = new_driver();
    in_threads(driver, threads, 1);
    double started = start_timer();
    in_threads(driver, threads, n);
    char extra[32];
    snprintf(extra, sizeof extra, ", \"threads\": %lu", threads);
    report("w3", n * threads, started, extra);
    boltc_driver_free(driver);
}

static void reconnect(unsigned long n) {
    double started = start_timer();
    for (unsigned long i = 0; i < n; i++) {
        boltc_error *err = NULL;
        boltc_driver *driver = new_driver();
        check(boltc_driver_verify_connectivity(driver, &err), err, "verify");
        check(boltc_driver_close(driver, &err), err, "close");
        boltc_driver_free(driver);
    }
    report("w4", n, started, "");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s URI WORKLOAD [N] [THREADS]\n", argv[0]);
        return 2;
    }
    uri = argv[1];
    const char *w = argv[2];
    unsigned long n = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    unsigned long threads = argc > 4 ? strtoul(argv[4], NULL, 10) : 4;
    char query[256];
    if (strcmp(w, "w1") == 0) {
        snprintf(query, sizeof query, "UNWIND range(1, %lu) AS i RETURN i", n ? n : 1000000);
        stream(w, query);
    } else if (strcmp(w, "w1b") == 0) {
        snprintf(query, sizeof query,
                 "UNWIND range(1, %lu) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, "
                 "{k: i} AS m",
                 n ? n : 200000);
        stream(w, query);
    } else if (strcmp(w, "w2") == 0) {
        sequential(n ? n : 5000);
    } else if (strcmp(w, "w3") == 0) {
        concurrent(n ? n : 2000, threads);
    } else if (strcmp(w, "w4") == 0) {
        reconnect(n ? n : 200);
    } else {
        fprintf(stderr, "unknown workload %s\n", w);
        return 2;
    }
    return 0;
}
