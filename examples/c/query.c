/* Connects, runs a parameterised query and prints the rows.
 *
 *   cc -std=c11 query.c $(pkg-config --cflags --libs boltc) -o query
 *   ./query bolt://127.0.0.1:7687 [user] [password]
 */
#include <stdio.h>
#include "boltc.h"

static int fail(const char *what, boltc_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, err ? boltc_error_message(err) : "?");
    boltc_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    const char *uri = argc > 1 ? argv[1] : "bolt://127.0.0.1:7687";
    const char *user = argc > 2 ? argv[2] : "falkordb";
    const char *password = argc > 3 ? argv[3] : "";
    boltc_error *err = NULL;
    boltc_config *cfg = NULL;
    boltc_driver *driver = NULL;
    boltc_session *session = NULL;
    boltc_result *result = NULL;
    int rc = 0;

    if (boltc_config_new(uri, &cfg, &err) || boltc_config_set_basic_auth(cfg, user, password, &err) ||
        boltc_driver_new(cfg, &driver, &err)) {
        boltc_config_free(cfg);
        return fail("connect", err);
    }
    boltc_config_free(cfg);
    /* Sessions sharing a bookmark manager see each other's writes (causal consistency). */
    boltc_session_config *scfg = NULL;
    boltc_bookmark_manager *bookmarks = NULL;
    if (boltc_session_config_new(&scfg, &err) || boltc_bookmark_manager_new(NULL, 0, &bookmarks, &err) ||
        boltc_session_config_set_bookmark_manager(scfg, bookmarks, &err) ||
        boltc_driver_session(driver, scfg, &session, &err)) {
        rc = fail("session", err);
    }
    boltc_bookmark_manager_free(bookmarks); /* the session keeps its own reference */
    boltc_session_config_free(scfg);
    if (rc) {
        goto out;
    }
    /* Each call of this session (connecting, RUN, each fetch) may take at most 10 s. */
    if (boltc_session_set_call_timeout_ms(session, 10000, &err)) {
        rc = fail("call timeout", err);
        goto out;
    }

    boltc_map *params = boltc_map_new();
    boltc_map_set_int(params, "limit", 5, NULL);
    boltc_status st = boltc_session_run_cstr(
        session, "UNWIND range(1, $limit) AS n RETURN n, n * n AS square", params, &result, &err);
    boltc_map_free(params);
    if (st) {
        rc = fail("run", err);
        goto out;
    }
    for (;;) {
        boltc_batch *batch = NULL;
        if (boltc_result_next_batch(result, 100, &batch, &err)) {
            rc = fail("fetch", err);
            break;
        }
        /* Both columns are integers: copy each in one call (at most 100 rows per batch). */
        int64_t n[100], square[100];
        size_t rows = boltc_batch_rows(batch);
        if (boltc_batch_column_int(batch, 0, n, 100, &err) ||
            boltc_batch_column_int(batch, 1, square, 100, &err)) {
            boltc_batch_free(batch);
            rc = fail("read", err);
            break;
        }
        for (size_t row = 0; row < rows; row++) {
            printf("%lld\t%lld\n", (long long)n[row], (long long)square[row]);
        }
        int more = boltc_batch_has_more(batch);
        /* Freed before the next fetch, which then decodes into this batch's memory. */
        boltc_batch_free(batch);
        if (!more) {
            break;
        }
    }
out:
    boltc_result_free(result);
    boltc_session_free(session);
    boltc_driver_free(driver);
    return rc;
}
