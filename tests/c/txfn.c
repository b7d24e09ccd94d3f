/* Against the stub server (tests/c/scripts/txfn.script, see tests/c_api.rs): transaction
 * functions. A write whose first attempt fails with a transient error (deadlock) runs again and
 * commits; a read failing with a client error is not retried and returns the server's error;
 * the lent transaction handle is stale-safe after the call; a work function that fails by itself
 * rolls back.
 *
 * With two more URIs (tests/c/scripts/txfn_noretry.script and txfn_mode.script): a driver whose
 * maximum retry time is 0 does not retry a transient failure; a transaction begun in READ mode
 * on a WRITE session sends mode "r" and the next one the session's default; boltc_session_execute
 * carries its mode, timeout and metadata on every attempt, follows the configured backoff, and
 * retries or not as the error made with boltc_error_new says; bad retry settings and access
 * modes are refused. */
#include <math.h>
#include <time.h>
#include "check.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

struct work_state {
    int attempts;
    int64_t n;
    boltc_transaction *seen;
    const char *query;
    int pass_error; /* hand the boltc_error on (1) or free it here (0) */
};

static boltc_status run_query(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work_state *w = user_data;
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    boltc_error *e = NULL;
    w->attempts++;
    w->seen = tx;
    /* Ending the lent transaction is boltc's job. */
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_commit(tx, NULL));
    boltc_status st = boltc_transaction_run_cstr(tx, w->query, NULL, &r, &e);
    if (st == BOLTC_STATUS_OK)
        st = boltc_result_single(r, &rec, &e);
    if (st == BOLTC_STATUS_OK) {
        const boltc_value *v = boltc_record_get(rec, 0);
        CHECK(v != NULL);
        OK(boltc_value_as_int(v, &w->n, &err));
        boltc_record_free(rec);
    }
    boltc_result_free(r);
    if (st != BOLTC_STATUS_OK) {
        if (w->pass_error)
            *error_out = e;
        else
            boltc_error_free(e);
    }
    return st;
}

static boltc_status fail_alone(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work_state *w = user_data;
    (void)tx;
    (void)error_out;
    w->attempts++;
    return BOLTC_STATUS_CONVERSION; /* not retryable, no error object */
}

/* Fails with an error of the caller's own made by boltc_error_new: retryable on the first
 * attempt (then the query runs and commits), or with the verdict in `pass_error`. */
struct own_state {
    int attempts;
    int fail_attempts;      /* how many attempts fail */
    boltc_status status;    /* their status */
    int retryable;          /* their verdict */
    struct work_state *run; /* the work of the attempt that succeeds */
};

static boltc_status own_failure(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct own_state *o = user_data;
    o->attempts++;
    if (o->attempts <= o->fail_attempts) {
        *error_out = boltc_error_new(o->status, "the caller's own failure", o->retryable != 0);
        CHECK(*error_out != NULL);
        return o->status;
    }
    return run_query(tx, o->run, error_out);
}

static boltc_driver *driver_for(const char *uri, int64_t max_retry_ms, uint64_t initial_ms) {
    boltc_driver *drv = NULL;
    boltc_config *cfg = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 5000, &err));
    if (max_retry_ms >= 0)
        OK(boltc_config_set_max_transaction_retry_time_ms(cfg, (uint64_t)max_retry_ms, &err));
    /* Out-of-range backoff settings are refused, and change nothing. */
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_retry_delay_multiplier(cfg, 0.5, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_retry_delay_multiplier(cfg, NAN, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_retry_delay_jitter(cfg, 1.5, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_config_set_retry_delay_jitter(cfg, -0.1, NULL));
    OK(boltc_config_set_retry_initial_delay_ms(cfg, initial_ms, &err));
    OK(boltc_config_set_retry_delay_multiplier(cfg, 1.0, &err));
    OK(boltc_config_set_retry_delay_jitter(cfg, 0.0, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    return drv;
}

/* Maximum retry time 0: a transient failure is returned at once. */
static void no_retry(const char *uri) {
    boltc_driver *drv = driver_for(uri, 0, 10);
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err));
    struct work_state w = {0, 0, NULL, "RETURN 1 AS n", 1};
    boltc_error *e = NULL;
    EXPECT_STATUS(BOLTC_STATUS_TRANSIENT_ERROR, boltc_session_execute_write(sess, run_query, &w, &e));
    CHECK(w.attempts == 1);
    CHECK(e != NULL && boltc_error_is_retryable(e));
    boltc_error_free(e);
    OK(boltc_session_close(sess, &err));
    boltc_session_free(sess);
    boltc_driver_free(drv);
}

/* Access mode per transaction, boltc_session_execute, boltc_error_new. */
static void modes(const char *uri) {
    /* A backoff of exactly 1.5 s: longer than the default's first delay can be (1 s +20%). */
    boltc_driver *drv = driver_for(uri, 5000, 1500);
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err)); /* default: WRITE */

    boltc_map *meta = boltc_map_new();
    OK(boltc_map_set_string(meta, "k", "v", &err));
    boltc_transaction *tx = NULL;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_begin_in_mode(sess, 7, -1, meta, &tx, NULL));
    CHECK(tx == NULL);
    /* READ for this transaction only: BEGIN carries mode "r"... */
    OK(boltc_session_begin_in_mode(sess, BOLTC_ACCESS_MODE_READ, -1, meta, &tx, &err));
    boltc_map_free(meta);
    OK(boltc_transaction_commit(tx, &err));
    boltc_transaction_free(tx);
    /* ...and the next one is in the session's default mode again (no "mode" key). */
    OK(boltc_session_begin(sess, -1, NULL, &tx, &err));
    OK(boltc_transaction_rollback(tx, &err));
    boltc_transaction_free(tx);

    /* boltc_session_execute: READ with a timeout and metadata on every attempt; the caller's
     * own failure declared retryable runs the work again after the configured backoff. */
    boltc_map *app = boltc_map_new();
    OK(boltc_map_set_string(app, "app", "t", &err));
    struct work_state w = {0, 0, NULL, "RETURN 1 AS n", 1};
    struct own_state o = {0, 1, BOLTC_STATUS_CLIENT_ERROR, 1, &w};
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_execute(sess, 7, 5000, app, own_failure, &o, NULL));
    CHECK(o.attempts == 0);
    double t0 = now_ms();
    OK(boltc_session_execute(sess, BOLTC_ACCESS_MODE_READ, 5000, app, own_failure, &o, &err));
    double took = now_ms() - t0;
    boltc_map_free(app);
    CHECK(o.attempts == 2 && w.attempts == 1 && w.n == 1);
    /* The configured backoff was waited (the default would have waited 1.2 s at most). */
    CHECK(took >= 1500.0);

    /* A transient status whose error says "not retryable" is not retried. */
    struct own_state n = {0, 5, BOLTC_STATUS_TRANSIENT_ERROR, 0, &w};
    boltc_error *e = NULL;
    EXPECT_STATUS(BOLTC_STATUS_TRANSIENT_ERROR,
                  boltc_session_execute(sess, BOLTC_ACCESS_MODE_WRITE, -1, NULL, own_failure, &n, &e));
    CHECK(n.attempts == 1);
    CHECK(e != NULL && !boltc_error_is_retryable(e));
    CHECK(strcmp(boltc_error_message(e), "the caller's own failure") == 0);
    boltc_error_free(e);

    /* boltc_error_new refuses what is no failure status. */
    CHECK(boltc_error_new(BOLTC_STATUS_OK, "x", true) == NULL);
    CHECK(boltc_error_new((boltc_status)12345, "x", true) == NULL);
    e = boltc_error_new(BOLTC_STATUS_TIMEOUT, NULL, false);
    CHECK(e != NULL && boltc_error_status(e) == BOLTC_STATUS_TIMEOUT);
    CHECK(strcmp(boltc_error_message(e), "") == 0 && !boltc_error_is_retryable(e));
    boltc_error_free(e);

    OK(boltc_session_close(sess, &err));
    boltc_session_free(sess);
    boltc_driver_free(drv);
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: txfn URI [NORETRY_URI MODE_URI]\n");
        return 2;
    }
    boltc_driver *drv = NULL;
    boltc_config *cfg = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_user_agent(cfg, "c-txfn/1.0", &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 5000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err));

    /* Transient error on the first attempt (error handed on, boltc frees it), commit on the second. */
    struct work_state w = {0, 0, NULL, "RETURN 1 AS n", 1};
    OK(boltc_session_execute_write(sess, run_query, &w, &err));
    CHECK(w.attempts == 2);
    CHECK(w.n == 1);
    /* The lent handle is stale now: an error, not a crash; freeing it is ignored. */
    boltc_result *r = NULL;
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE,
                  boltc_transaction_run_cstr(w.seen, "RETURN 1", NULL, &r, NULL));
    CHECK(r == NULL);
    boltc_transaction_free(w.seen);
    boltc_value *bms = NULL;
    OK(boltc_session_last_bookmarks(sess, &bms, &err));
    boltc_value_free(bms);

    /* A client error is not retried; the error the work handed on comes back. */
    struct work_state c = {0, 0, NULL, "RETURN oops", 1};
    boltc_error *e = NULL;
    EXPECT_STATUS(BOLTC_STATUS_CLIENT_ERROR, boltc_session_execute_read(sess, run_query, &c, &e));
    CHECK(c.attempts == 1);
    CHECK(e != NULL);
    CHECK(boltc_error_server_code(e) != NULL &&
          strcmp(boltc_error_server_code(e), "Neo.ClientError.Statement.SyntaxError") == 0);
    CHECK(!boltc_error_is_retryable(e));
    boltc_error_free(e);

    /* A work function failing on its own: rolled back, not retried, a new error object. */
    struct work_state f = {0, 0, NULL, NULL, 0};
    e = NULL;
    EXPECT_STATUS(BOLTC_STATUS_CONVERSION, boltc_session_execute_read(sess, fail_alone, &f, &e));
    CHECK(f.attempts == 1);
    CHECK(e != NULL && boltc_error_status(e) == BOLTC_STATUS_CONVERSION);
    boltc_error_free(e);

    /* NULL arguments. */
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_session_execute_write(sess, NULL, &w, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_session_execute_write(NULL, run_query, &w, NULL));

    OK(boltc_session_close(sess, &err));
    boltc_session_free(sess);
    boltc_driver_free(drv);
    if (argc == 4) {
        no_retry(argv[2]);
        modes(argv[3]);
    }
    printf("txfn: all ok\n");
    return 0;
}
