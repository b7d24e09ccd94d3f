/* The C API misused the way a new user might: out-of-range enums and integers, stale handles,
 * several threads on one result, transaction functions that return garbage, re-enter the
 * session or free it, error causes freed on their own, server errors without a message, and
 * servers that refuse, stay silent or stall. Every misuse must end in a clear status (never a
 * crash, a hang, a leak or a data race): run under valgrind, ASan and TSan by tests/c_api.rs.
 *
 *   misuse URI SLOW_URI
 *
 * URI runs tests/c/scripts/misuse.script, SLOW_URI tests/c/scripts/misuse_slow.script. (Calls
 * with NULL arguments are covered by the generated program of c_api.rs, one call per function.) */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

/* BOLTC_MISUSE_SKIP=threads,causes,... skips sections by name (to see which part a build
 * without some fix trips over); nothing is skipped by default. */
static int skip(const char *section) {
    const char *list = getenv("BOLTC_MISUSE_SKIP");
    if (list == NULL)
        return 0;
    size_t n = strlen(section);
    for (const char *p = strstr(list, section); p != NULL; p = strstr(p + 1, section))
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The call fails with `want`, and its error object says so with a non-empty message. */
#define EXPECT_ERROR(want, call_with_e)                                                      \
    do {                                                                                     \
        boltc_error *e = NULL;                                                               \
        boltc_status got_ = (call_with_e);                                                   \
        if (got_ != (want) || e == NULL || boltc_error_status(e) != got_ ||                  \
            boltc_error_message(e)[0] == '\0') {                                             \
            fprintf(stderr, "%s:%d: %s -> %s (%s), want %s\n", __FILE__, __LINE__,           \
                    #call_with_e, boltc_status_name(got_),                                   \
                    e ? boltc_error_message(e) : "no error object", boltc_status_name(want)); \
            exit(1);                                                                         \
        }                                                                                    \
        boltc_error_free(e);                                                                 \
    } while (0)

/* A driver with the given connection timeout and, when acquire_ms > 0, acquisition timeout
 * (which bounds the Bolt handshake and HELLO; the connection timeout bounds the socket). */
static boltc_driver *driver_with(const char *uri, uint64_t connect_ms, uint64_t acquire_ms) {
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, connect_ms, &err));
    if (acquire_ms > 0) OK(boltc_config_set_acquisition_timeout_ms(cfg, acquire_ms, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    return drv;
}

static boltc_driver *driver_for(const char *uri, uint64_t connect_ms) {
    return driver_with(uri, connect_ms, 0);
}

/* ----- enums and integers out of range (no server needed) ----- */

static void on_log(int32_t level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    (void)user_data;
}

static void out_of_range(void) {
    /* Any int32_t where a status is expected: a name, never a crash. */
    int32_t bad[] = {-1, 20, 42, 55, 99, 103, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !skip("status_names"); i++)
        CHECK(strcmp(boltc_status_name((boltc_status)bad[i]), "BOLTC_STATUS_UNKNOWN") == 0);
    CHECK(strcmp(boltc_status_name(BOLTC_STATUS_BUSY), "BOLTC_STATUS_BUSY") == 0);
    CHECK(strcmp(boltc_status_name(BOLTC_STATUS_OK), "BOLTC_STATUS_OK") == 0);

    boltc_config *cfg = NULL;
    OK(boltc_config_new("bolt://127.0.0.1:7687", &cfg, &err));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_trust(cfg, 99, NULL, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_trust(cfg, -1, NULL, &e));
    EXPECT_ERROR(BOLTC_STATUS_NULL_ARGUMENT,
                 boltc_config_set_trust(cfg, BOLTC_TRUST_CUSTOM_CA, NULL, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT,
                 boltc_config_set_notifications_min_severity(cfg, "LOUD", &e));
    /* Numbers are checked when the driver is built. */
    boltc_driver *drv = NULL;
    OK(boltc_config_set_fetch_size(cfg, -7, &err));
    EXPECT_ERROR(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, &e));
    OK(boltc_config_set_fetch_size(cfg, 100, &err));
    OK(boltc_config_set_max_pool_size(cfg, 0, &err));
    EXPECT_ERROR(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, &e));
    CHECK(drv == NULL);
    OK(boltc_config_set_max_pool_size(cfg, 10, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);

    boltc_session_config *sc = NULL;
    OK(boltc_session_config_new(&sc, &err));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_config_set_access_mode(sc, 2, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT,
                 boltc_session_config_set_access_mode(sc, INT32_MIN, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_config_set_fetch_size(sc, -2, &e));
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, sc, &sess, &err));
    boltc_session_config_free(sc);
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_set_telemetry_api(sess, 7, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_set_telemetry_api(sess, -2, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_set_log_callback(on_log, 42, NULL, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT, boltc_set_log_callback(on_log, -1, NULL, &e));
    /* A length that cannot be right, with and without data. */
    boltc_result *r = NULL;
    EXPECT_ERROR(BOLTC_STATUS_NULL_ARGUMENT, boltc_session_run(sess, NULL, 5, NULL, -1, NULL, &r, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT,
                 boltc_session_run(sess, "RETURN 1", SIZE_MAX, NULL, -1, NULL, &r, &e));
    EXPECT_ERROR(BOLTC_STATUS_INVALID_ARGUMENT,
                 boltc_session_run(sess, "\xff\xfe", 2, NULL, -1, NULL, &r, &e));
    CHECK(r == NULL);
    boltc_value *v = boltc_value_new_int(7);
    const char *s = NULL;
    size_t n = 0;
    EXPECT_ERROR(BOLTC_STATUS_CONVERSION, boltc_value_as_string(v, &s, &n, &e));
    boltc_value_free(v);
    boltc_session_free(sess);
    boltc_driver_free(drv);
}

/* ----- servers that refuse or stay silent ----- */

/* A loopback port with nothing listening (bound, then closed). */
/* A loopback port that refuses connections: bound but not listening, and kept bound (in
 * `*fd_out`, closed by the caller) so that no other test's server can take it meanwhile (the
 * tests run in parallel; a port closed at once was once reused by another test's stub). */
static int closed_port(int *fd_out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t len = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *fd_out = fd;
    return ntohs(a.sin_port);
}

/* A loopback listener that never accepts: TCP connects (the backlog), Bolt never answers. */
static int silent_listener(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(fd, 16) == 0);
    socklen_t len = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void unreachable_servers(void) {
    char uri[64];
    int refusing_fd = -1;
    snprintf(uri, sizeof uri, "bolt://127.0.0.1:%d", closed_port(&refusing_fd));
    boltc_driver *drv = driver_for(uri, 2000);
    double t0 = now();
    EXPECT_ERROR(BOLTC_STATUS_SERVICE_UNAVAILABLE, boltc_driver_verify_connectivity(drv, &e));
    boltc_session *sess = NULL;
    boltc_result *r = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err));
    EXPECT_ERROR(BOLTC_STATUS_SERVICE_UNAVAILABLE, boltc_session_run_cstr(sess, "RETURN 1", NULL, &r, &e));
    CHECK(r == NULL);
    boltc_session_free(sess);
    boltc_driver_free(drv);
    double refused = now() - t0;
    close(refusing_fd);
    CHECK(refused < 10.0);

    int port = 0;
    int fd = silent_listener(&port);
    snprintf(uri, sizeof uri, "bolt://127.0.0.1:%d", port);
    drv = driver_with(uri, 500, 1500);
    t0 = now();
    boltc_error *e = NULL;
    boltc_status st = boltc_driver_verify_connectivity(drv, &e);
    double silent = now() - t0;
    if (st != BOLTC_STATUS_TIMEOUT && st != BOLTC_STATUS_SERVICE_UNAVAILABLE) {
        fprintf(stderr, "silent server: %s: %s\n", boltc_status_name(st),
                e ? boltc_error_message(e) : "(no error)");
        exit(1);
    }
    CHECK(e != NULL && boltc_error_message(e)[0] != '\0');
    boltc_error_free(e);
    boltc_driver_free(drv);
    close(fd);
    /* Bounded by the acquisition timeout (the handshake's; tests/c/deadline.c has the exact bounds). */
    CHECK(silent < 15.0);
    printf("misuse: refused in %.2f s, silent server given up after %.2f s\n", refused, silent);
}

/* A server that answers HELLO and then stalls mid-query: the call timeout ends the wait, and
 * freeing everything afterwards does not wait for the server. */
static void stalled_server(const char *uri) {
    boltc_driver *drv = driver_for(uri, 5000);
    boltc_session *sess = NULL;
    /* Connect first (the connection waits in the pool), so the 300 ms are the query's. */
    OK(boltc_driver_verify_connectivity(drv, &err));
    OK(boltc_driver_session(drv, NULL, &sess, &err));
    OK(boltc_session_set_call_timeout_ms(sess, 300, &err));
    boltc_result *r = NULL;
    double t0 = now();
    EXPECT_ERROR(BOLTC_STATUS_TIMEOUT, boltc_session_run_cstr(sess, "RETURN slow", NULL, &r, &e));
    double took = now() - t0;
    CHECK(r == NULL);
    t0 = now();
    boltc_session_free(sess);
    boltc_driver_free(drv);
    double freed = now() - t0;
    CHECK(took < 2.5 && freed < 2.5);
    printf("misuse: stalled server timed out after %.2f s, freed in %.2f s\n", took, freed);
}

/* ----- one result, several threads ----- */

#define THREADS 4
#define ROWS 60

/* The threads share only relaxed atomics (no happens-before between them), so that TSan sees
 * any access boltc does not order itself. */
static boltc_result *shared_result;
static pthread_barrier_t start;
static atomic_int rows_seen, done, busy_seen;
static atomic_llong sum_seen;

static void tally(int64_t x, const char *k, size_t k_len) {
    char want[16];
    snprintf(want, sizeof want, "k%lld", (long long)x);
    CHECK(str_eq(k, k_len, want));
    atomic_fetch_add_explicit(&rows_seen, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_seen, x, memory_order_relaxed);
}

static void *reader(void *arg) {
    int id = (int)(intptr_t)arg;
    pthread_barrier_wait(&start);
    for (int i = 0;; i++) {
        if (atomic_load_explicit(&done, memory_order_relaxed))
            return NULL;
        boltc_status st = BOLTC_STATUS_OK;
        int end = 0;
        switch ((i + id) % 4) {
        case 0: {
            size_t n = 0;
            st = boltc_result_keys_len(shared_result, &n, NULL);
            CHECK(st != BOLTC_STATUS_OK || n == 2);
            break;
        }
        case 1: {
            const char *k = NULL;
            size_t n = 0;
            st = boltc_result_key(shared_result, (size_t)(i % 2), &k, &n, NULL);
            CHECK(st != BOLTC_STATUS_OK || str_eq(k, n, i % 2 ? "k" : "x"));
            break;
        }
        case 2: {
            boltc_batch *b = NULL;
            st = boltc_result_next_batch(shared_result, 3, &b, NULL);
            if (st == BOLTC_STATUS_OK) {
                for (size_t row = 0; row < boltc_batch_rows(b); row++) {
                    int64_t x = 0;
                    const char *k = NULL;
                    size_t n = 0;
                    OK(boltc_value_as_int(boltc_batch_value(b, row, 0), &x, &err));
                    OK(boltc_value_as_string(boltc_batch_value(b, row, 1), &k, &n, &err));
                    tally(x, k, n);
                }
                end = !boltc_batch_has_more(b) && boltc_batch_rows(b) == 0;
                boltc_batch_free(b);
            }
            break;
        }
        default: {
            boltc_record *rec = NULL;
            st = boltc_result_next(shared_result, &rec, NULL);
            if (st == BOLTC_STATUS_OK && rec == NULL) {
                end = 1;
            } else if (st == BOLTC_STATUS_OK) {
                int64_t x = 0;
                const char *k = NULL;
                size_t n = 0;
                OK(boltc_value_as_int(boltc_record_get(rec, 0), &x, &err));
                OK(boltc_value_as_string(boltc_record_get(rec, 1), &k, &n, &err));
                tally(x, k, n);
                boltc_record_free(rec);
            }
            break;
        }
        }
        if (st != BOLTC_STATUS_OK && st != BOLTC_STATUS_BUSY) {
            fprintf(stderr, "thread %d: %s\n", id, boltc_status_name(st));
            exit(1);
        }
        if (st == BOLTC_STATUS_BUSY) {
            atomic_fetch_add_explicit(&busy_seen, 1, memory_order_relaxed);
            sched_yield();
        }
        if (end)
            atomic_store_explicit(&done, 1, memory_order_relaxed);
    }
}

static void *encoder(void *arg) {
    boltc_batch *b = arg;
    const uint8_t *p1 = NULL, *p2 = NULL;
    size_t n1 = 0, n2 = 0;
    OK(boltc_batch_encode(b, &p1, &n1, &err));
    OK(boltc_batch_encode_columns(b, &p2, &n2, &err));
    CHECK(p1 != NULL && n1 > 0 && p2 != NULL && n2 > 0);
    return (void *)p1;
}

static void one_result_many_threads(boltc_session *sess) {
    OK(boltc_session_run_cstr(sess, "UNWIND range(1, 60) AS x RETURN x, 'k' + x AS k", NULL,
                              &shared_result, &err));
    /* Several threads encoding one batch get the same buffer. */
    boltc_batch *first = NULL;
    OK(boltc_result_next_batch(shared_result, 5, &first, &err));
    CHECK(boltc_batch_rows(first) == 5);
    if (!skip("encode")) {
        pthread_t enc[THREADS];
        for (int i = 0; i < THREADS; i++)
            CHECK(pthread_create(&enc[i], NULL, encoder, first) == 0);
        void *bufs[THREADS];
        for (int i = 0; i < THREADS; i++)
            CHECK(pthread_join(enc[i], &bufs[i]) == 0);
        for (int i = 1; i < THREADS; i++)
            CHECK(bufs[i] == bufs[0]);
    }
    for (size_t row = 0; row < 5; row++) {
        int64_t x = 0;
        const char *k = NULL;
        size_t n = 0;
        OK(boltc_value_as_int(boltc_batch_value(first, row, 0), &x, &err));
        OK(boltc_value_as_string(boltc_batch_value(first, row, 1), &k, &n, &err));
        tally(x, k, n);
    }
    boltc_batch_free(first);

    pthread_t t[THREADS];
    CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, reader, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    pthread_barrier_destroy(&start);
    /* Every row exactly once, whatever the interleaving. */
    CHECK(atomic_load(&rows_seen) == ROWS);
    CHECK(atomic_load(&sum_seen) == ROWS * (ROWS + 1) / 2);
    printf("misuse: %d threads read one result (%d calls got BUSY)\n", THREADS,
           atomic_load(&busy_seen));
}

/* ----- transaction functions that misbehave ----- */

struct work {
    int attempts;
    int32_t ret;
    boltc_session *session;
    int inner_called;
};

/* Returns whatever it is told to (cast, as a C caller might). */
static boltc_status return_garbage(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work *w = user_data;
    w->attempts++;
    if (w->ret == 42) {
        /* Also hands over an error object of a failed call: boltc must take and free it. */
        boltc_result *r = NULL;
        CHECK(boltc_transaction_run_cstr(tx, NULL, NULL, &r, error_out) ==
              BOLTC_STATUS_NULL_ARGUMENT);
    }
    return (boltc_status)w->ret;
}

static boltc_status inner(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    (void)tx;
    (void)error_out;
    ((struct work *)user_data)->inner_called = 1;
    return BOLTC_STATUS_OK;
}

/* Calls back into the session it runs on, then does its work through the lent handle. */
static boltc_status reenter(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work *w = user_data;
    w->attempts++;
    boltc_result *r = NULL;
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_run_cstr(w->session, "RETURN 2", NULL, &r, &e));
    boltc_transaction *second = NULL;
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_begin(w->session, -1, NULL, &second, &e));
    CHECK(second == NULL);
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_execute_write(w->session, inner, w, &e));
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_commit(tx, &e));
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_rollback(tx, &e));
    boltc_transaction_free(tx); /* lent: ignored */
    boltc_record *rec = NULL;
    boltc_status st = boltc_transaction_run_cstr(tx, "RETURN 1 AS n", NULL, &r, error_out);
    if (st == BOLTC_STATUS_OK)
        st = boltc_result_single(r, &rec, error_out);
    boltc_record_free(rec);
    boltc_result_free(r);
    return st;
}

static boltc_status free_own_session(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work *w = user_data;
    (void)error_out;
    w->attempts++;
    boltc_session_free(w->session);
    /* The lent transaction went with the session: an error, not a crash. */
    boltc_result *r = NULL;
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_run_cstr(tx, "RETURN 1", NULL, &r, &e));
    return BOLTC_STATUS_OK;
}

static void transaction_functions(boltc_session *sess) {
    int32_t bad[] = {-1, 42, 1000};
    for (size_t i = 0; i < 3; i++) {
        /* Skipped: a valid failure instead, which the script answers the same way. */
        int skipped = skip("work_status");
        struct work w = {0, skipped ? BOLTC_STATUS_CONVERSION : bad[i], sess, 0};
        boltc_error *e = NULL;
        boltc_status st = boltc_session_execute_write(sess, return_garbage, &w, &e);
        if (skipped) {
            CHECK(st == BOLTC_STATUS_CONVERSION && w.attempts == 1);
            boltc_error_free(e);
            continue;
        }
        if (st != BOLTC_STATUS_INVALID_ARGUMENT || e == NULL ||
            strstr(boltc_error_message(e), "not a boltc_status") == NULL) {
            fprintf(stderr, "work returning %d: %s: %s\n", (int)bad[i], boltc_status_name(st),
                    e ? boltc_error_message(e) : "(no error)");
            exit(1);
        }
        CHECK(!boltc_error_is_retryable(e));
        CHECK(w.attempts == 1);
        boltc_error_free(e);
    }
    struct work w = {0, 0, sess, 0};
    OK(boltc_session_execute_write(sess, reenter, &w, &err));
    CHECK(w.attempts == 1 && !w.inner_called);
}

/* ----- server errors ----- */

static void server_errors(boltc_session *sess) {
    boltc_result *r = NULL;
    boltc_error *e = NULL;
    CHECK(boltc_session_run_cstr(sess, "RETURN nomessage", NULL, &r, &e) == BOLTC_STATUS_CLIENT_ERROR);
    CHECK(e != NULL && r == NULL);
    /* No message from the server: the code stands in, never an empty string. */
    if (!skip("no_message") &&
        strstr(boltc_error_message(e), "Neo.ClientError.Statement.SyntaxError") == NULL) {
        fprintf(stderr, "message of a FAILURE without one: \"%s\"\n", boltc_error_message(e));
        exit(1);
    }
    boltc_error_free(e);

    e = NULL;
    CHECK(boltc_session_run_cstr(sess, "RETURN cause", NULL, &r, &e) == BOLTC_STATUS_CLIENT_ERROR);
    const boltc_error *cause = boltc_error_cause(e);
    CHECK(cause != NULL && boltc_error_cause(cause) == NULL);
    CHECK(strcmp(boltc_error_gql_status(cause), "22N01") == 0);
    CHECK(skip("no_message") || boltc_error_message(cause)[0] != '\0');
    /* Freeing the borrowed cause is a mistake boltc ignores: the parent still owns it. */
    if (!skip("free_cause")) {
        boltc_error_free((boltc_error *)cause);
        boltc_error_free((boltc_error *)cause);
    }
    CHECK(strcmp(boltc_error_gql_status(boltc_error_cause(e)), "22N01") == 0);
    boltc_error_free(e);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: misuse URI SLOW_URI\n");
        return 2;
    }
    out_of_range();
    if (!skip("servers")) {
        unreachable_servers();
        stalled_server(argv[2]);
    }

    boltc_driver *drv = driver_for(argv[1], 5000);
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err));
    one_result_many_threads(sess);
    transaction_functions(sess);
    server_errors(sess);

    /* Last: a transaction function frees its own session. The call fails cleanly and the
     * handle is freed when it returns. */
    struct work w = {0, 0, sess, 0};
    if (skip("free_session")) {
        boltc_session_free(sess); /* the script's last BEGIN/ROLLBACK then does not happen */
    } else {
        EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE,
                     boltc_session_execute_write(sess, free_own_session, &w, &e));
        CHECK(w.attempts == 1);
    }
    /* The result of the (now freed) session is stale: errors, not crashes. */
    boltc_record *rec = NULL;
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_result_next(shared_result, &rec, &e));
    boltc_summary *sum = NULL;
    EXPECT_ERROR(BOLTC_STATUS_ILLEGAL_STATE, boltc_result_consume(shared_result, &sum, &e));
    size_t n = 0;
    OK(boltc_result_keys_len(shared_result, &n, &err)); /* cached: still answers */
    CHECK(n == 2);
    boltc_result_free(shared_result);
    boltc_driver_free(drv);
    printf("misuse: all ok\n");
    return 0;
}
