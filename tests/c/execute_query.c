/* boltc_driver_execute_query against the scripted stub server
 * (tests/c/scripts/execute_query.script): a read in a named database with timeout and
 * metadata, retried after a transient failure; then the driver's bookmark manager chaining the
 * next call; a disabled manager; a non-retryable error; misuse as typed errors. */
#include "check.h"

static int key_is(const boltc_eager_result *r, size_t i, const char *want) {
    const char *p;
    size_t n;
    OK(boltc_eager_result_key(r, i, &p, &n, &err));
    return str_eq(p, n, want);
}

static int64_t int_at(const boltc_eager_result *r, size_t row, size_t col) {
    int64_t v = -1;
    OK(boltc_value_as_int(boltc_eager_result_value(r, row, col), &v, &err));
    return v;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: execute_query URI\n");
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_retry_initial_delay_ms(cfg, 10, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);

    /* 1. A read in "movies" with timeout and metadata: the first attempt meets a deadlock
     *    (transient), the second commits. The config is copied: freed before the result is read. */
    boltc_query_config *qc = NULL;
    OK(boltc_query_config_new(&qc, &err));
    OK(boltc_query_config_set_routing(qc, BOLTC_ACCESS_MODE_READ, &err));
    OK(boltc_query_config_set_database(qc, "movies", &err));
    boltc_map *meta = boltc_map_new();
    OK(boltc_map_set_string(meta, "app", "c", &err));
    OK(boltc_query_config_set_transaction(qc, 5000, meta, &err));
    boltc_map_free(meta);
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_query_config_set_routing(qc, 7, NULL));

    boltc_map *params = boltc_map_new();
    boltc_value *xs = boltc_value_new_list();
    for (int64_t i = 1; i <= 3; i++) {
        boltc_value *v = boltc_value_new_int(i);
        OK(boltc_value_list_push(xs, v, &err));
        boltc_value_free(v);
    }
    OK(boltc_map_set_cstr(params, "xs", xs, &err));
    boltc_value_free(xs);
    const char *q = "UNWIND $xs AS x RETURN x, x * 10 AS y";
    boltc_eager_result *r = NULL;
    OK(boltc_driver_execute_query(drv, q, strlen(q), params, qc, &r, &err));
    boltc_map_free(params);
    boltc_query_config_free(qc);
    CHECK(boltc_eager_result_keys_len(r) == 2 && key_is(r, 0, "x") && key_is(r, 1, "y"));
    CHECK(boltc_eager_result_records_len(r) == 3);
    CHECK(int_at(r, 0, 0) == 1 && int_at(r, 2, 1) == 30);
    CHECK(boltc_eager_result_value(r, 3, 0) == NULL && boltc_eager_result_value(r, 0, 2) == NULL);
    const char *p;
    size_t n;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_eager_result_key(r, 2, &p, &n, NULL));
    boltc_summary *s = NULL;
    OK(boltc_eager_result_summary(r, &s, &err));
    boltc_eager_result_free(r); /* the summary is a copy: still readable */
    OK(boltc_summary_string(s, BOLTC_SUMMARY_DATABASE, &p, &n, &err));
    CHECK(str_eq(p, n, "movies"));
    CHECK(boltc_summary_query_type(s) == BOLTC_QUERY_TYPE_READ);
    boltc_summary_free(s);
    printf("read with retry: ok\n");

    /* 2. Defaults (NULL config): a write, and the driver's bookmark manager carries bm:eq1. */
    q = "CREATE (n) RETURN 1 AS one";
    OK(boltc_driver_execute_query(drv, q, strlen(q), NULL, NULL, &r, &err));
    CHECK(boltc_eager_result_records_len(r) == 1 && int_at(r, 0, 0) == 1);
    OK(boltc_eager_result_summary(r, &s, &err));
    boltc_counters counters;
    OK(boltc_summary_counters(s, &counters, &err));
    CHECK(counters.nodes_created == 1);
    boltc_summary_free(s);
    boltc_eager_result_free(r);
    printf("defaults and bookmarks: ok\n");

    /* 3. No bookmark manager (BEGIN without bookmarks); a syntax error is not retried. */
    OK(boltc_query_config_new(&qc, &err));
    OK(boltc_query_config_set_bookmark_manager(qc, NULL, &err));
    q = "RETURN oops";
    boltc_error *e = NULL;
    r = NULL;
    CHECK(boltc_driver_execute_query(drv, q, strlen(q), NULL, qc, &r, &e) ==
          BOLTC_STATUS_CLIENT_ERROR);
    CHECK(r == NULL && e != NULL && !boltc_error_is_retryable(e));
    CHECK(strstr(boltc_error_message(e), "bad query") != NULL);
    boltc_error_free(e);
    boltc_query_config_free(qc);
    printf("errors: ok\n");

    /* Misuse: NULL handles and out-params are typed errors. */
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_driver_execute_query(NULL, "RETURN 1", 8, NULL, NULL, &r, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_driver_execute_query(drv, "RETURN 1", 8, NULL, NULL, NULL, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_query_config_set_database(NULL, "x", NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_eager_result_summary(NULL, &s, NULL));
    CHECK(boltc_eager_result_keys_len(NULL) == 0 && boltc_eager_result_records_len(NULL) == 0);
    CHECK(boltc_eager_result_value(NULL, 0, 0) == NULL);
    boltc_query_config_free(NULL);
    boltc_eager_result_free(NULL);

    boltc_driver_free(drv);
    printf("execute_query: all ok\n");
    return 0;
}
