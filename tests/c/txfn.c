/* Against the stub server (tests/c/scripts/txfn.script, see tests/c_api.rs): transaction
 * functions. A write whose first attempt fails with a transient error (deadlock) runs again and
 * commits; a read failing with a client error is not retried and returns the server's error;
 * the lent transaction handle is stale-safe after the call; a work function that fails by itself
 * rolls back. */
#include "check.h"

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

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: txfn URI\n");
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
    printf("txfn: all ok\n");
    return 0;
}
