/* Call timeouts and interrupts through the C API. The pool holds one connection; session A
 * takes it with an open transaction. Session B (call timeout 300 ms, set in its session
 * config) then times out waiting for the pool; without a call timeout it blocks there until
 * another thread interrupts it. Finally A's query, which the server never answers (it sleeps
 * 3 s), times out at A's call timeout (set on the session), and the pool is free again.
 * The driver's own timeouts are 30 s, so only the call timeouts and the interrupt end waits.
 * Timings are checked with wide margins (valgrind is slow). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>
#include "check.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static boltc_session *waiter;
static boltc_status waiter_status = BOLTC_STATUS_OK;

static void *wait_for_pool(void *arg) {
    (void)arg;
    boltc_result *r = NULL;
    boltc_error *err = NULL;
    waiter_status = boltc_session_run_cstr(waiter, "RETURN 1", NULL, &r, &err);
    boltc_error_free(err);
    boltc_result_free(r);
    return NULL;
}

/* Runs `query` on `s` expecting `want`; returns the seconds it took. */
static double expect_run(boltc_session *s, const char *query, boltc_status want) {
    boltc_result *r = NULL;
    boltc_error *err = NULL;
    double start = now();
    boltc_status got = boltc_session_run_cstr(s, query, NULL, &r, &err);
    double took = now() - start;
    if (got != want) {
        fprintf(stderr, "run %s -> %s (%s), want %s\n", query, boltc_status_name(got),
                err ? boltc_error_message(err) : "", boltc_status_name(want));
        exit(1);
    }
    CHECK(r == NULL && err != NULL && boltc_error_status(err) == want);
    CHECK(strlen(boltc_error_message(err)) > 0);
    boltc_error_free(err);
    return took;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_max_pool_size(cfg, 1, &err));
    OK(boltc_config_set_acquisition_timeout_ms(cfg, 30000, &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 30000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);

    boltc_session *a = NULL;
    boltc_transaction *tx = NULL;
    OK(boltc_driver_session(drv, NULL, &a, &err));
    OK(boltc_session_begin(a, -1, NULL, &tx, &err));

    /* B times out waiting for the only connection. */
    boltc_session_config *scfg = NULL;
    OK(boltc_session_config_new(&scfg, &err));
    OK(boltc_session_config_set_call_timeout_ms(scfg, 300, &err));
    boltc_session *b = NULL;
    OK(boltc_driver_session(drv, scfg, &b, &err));
    boltc_session_config_free(scfg);
    double took = expect_run(b, "RETURN 1", BOLTC_STATUS_TIMEOUT);
    CHECK(took > 0.25 && took < 10.0);

    /* Without a call timeout, B waits until it is interrupted. */
    OK(boltc_session_set_call_timeout_ms(b, -1, &err));
    waiter = b;
    pthread_t t;
    double start = now();
    CHECK(pthread_create(&t, NULL, wait_for_pool, NULL) == 0);
    struct timespec pause = {0, 500 * 1000 * 1000};
    nanosleep(&pause, NULL);
    EXPECT_STATUS(BOLTC_STATUS_BUSY, boltc_session_set_call_timeout_ms(b, 100, NULL));
    OK(boltc_session_interrupt(b, &err));
    CHECK(pthread_join(t, NULL) == 0);
    took = now() - start;
    if (waiter_status != BOLTC_STATUS_INTERRUPTED) {
        fprintf(stderr, "the waiting call returned %s\n", boltc_status_name(waiter_status));
        return 1;
    }
    CHECK(took < 20.0);

    /* A's query is never answered: it times out, the connection is discarded. */
    OK(boltc_session_set_call_timeout_ms(a, 300, &err));
    boltc_result *r = NULL;
    boltc_error *terr = NULL;
    start = now();
    boltc_status st = boltc_transaction_run_cstr(tx, "RETURN slow", NULL, &r, &terr);
    took = now() - start;
    if (st != BOLTC_STATUS_TIMEOUT) {
        fprintf(stderr, "the stalled query returned %s (%s)\n", boltc_status_name(st),
                terr ? boltc_error_message(terr) : "");
        return 1;
    }
    CHECK(took > 0.25 && took < 10.0);
    CHECK(strstr(boltc_error_message(terr), "RUN") != NULL);
    boltc_error_free(terr);
    boltc_transaction_free(tx);
    boltc_session_free(a);
    boltc_session_free(b);
    boltc_driver_free(drv);
    printf("deadline: ok\n");
    return 0;
}
