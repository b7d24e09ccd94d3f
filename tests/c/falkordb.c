/* End to end against FalkorDB: writes with parameters, reads back nodes, relationships and
 * paths, streams 2000 rows in batches (and as an encoded buffer), a transaction, a server
 * error with its code. */
#include "check.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    boltc_session *s = NULL;
    boltc_session_config *scfg = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "falkordb", "", &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 5000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_verify_connectivity(drv, &err));
    OK(boltc_session_config_new(&scfg, &err));
    OK(boltc_session_config_set_database(scfg, "c_api", &err));
    OK(boltc_driver_session(drv, scfg, &s, &err));
    boltc_session_config_free(scfg);

    /* Write with parameters. */
    boltc_map *p = boltc_map_new();
    OK(boltc_map_set_string(p, "a", "Ann", &err));
    OK(boltc_map_set_string(p, "b", "Bob", &err));
    OK(boltc_map_set_float(p, "w", 0.5, &err));
    boltc_result *r = NULL;
    OK(boltc_session_run_cstr(s, "CREATE (:Person {name: $a})-[:KNOWS {w: $w}]->(:Person {name: $b})", p, &r, &err));
    boltc_map_free(p);
    boltc_summary *sum = NULL;
    OK(boltc_result_consume(r, &sum, &err));
    boltc_counters c;
    OK(boltc_summary_counters(sum, &c, &err));
    CHECK(c.nodes_created == 2 && c.relationships_created == 1);
    boltc_summary_free(sum);
    boltc_result_free(r);

    /* Read graph values back. */
    OK(boltc_session_run_cstr(s, "MATCH path = (a:Person)-[k:KNOWS]->(b) RETURN a, k, path", NULL, &r, &err));
    boltc_record *rec = NULL;
    OK(boltc_result_single(r, &rec, &err));
    const boltc_node *a;
    OK(boltc_value_as_node(boltc_record_get(rec, 0), &a, &err));
    const char *str;
    size_t len;
    OK(boltc_node_label(a, 0, &str, &len, &err));
    CHECK(str_eq(str, len, "Person"));
    const boltc_value *name;
    OK(boltc_map_get(boltc_node_properties(a), "name", 4, &name, &err));
    OK(boltc_value_as_string(name, &str, &len, &err));
    CHECK(str_eq(str, len, "Ann"));
    const boltc_relationship *k;
    OK(boltc_value_as_relationship(boltc_record_get(rec, 1), &k, &err));
    OK(boltc_relationship_type(k, &str, &len, &err));
    CHECK(str_eq(str, len, "KNOWS"));
    const boltc_value *w;
    OK(boltc_map_get(boltc_relationship_properties(k), "w", 1, &w, &err));
    double wd;
    OK(boltc_value_as_float(w, &wd, &err));
    CHECK(wd == 0.5);
    const boltc_path *path;
    OK(boltc_value_as_path(boltc_record_get(rec, 2), &path, &err));
    CHECK(boltc_path_len(path) == 1 && boltc_path_node(path, 1) != NULL);
    boltc_record_free(rec);
    boltc_result_free(r);
    printf("graph values: ok\n");

    /* Stream 2000 rows in batches of 256, and encode each batch. */
    OK(boltc_session_run_cstr(s, "UNWIND range(1, 2000) AS i RETURN i, toString(i) AS s", NULL, &r, &err));
    int64_t total = 0, rows = 0;
    size_t encoded = 0;
    for (;;) {
        boltc_batch *b = NULL;
        OK(boltc_result_next_batch(r, 256, &b, &err));
        for (size_t i = 0; i < boltc_batch_rows(b); i++) {
            int64_t v;
            OK(boltc_value_as_int(boltc_batch_value(b, i, 0), &v, &err));
            total += v;
            rows++;
        }
        const uint8_t *buf;
        size_t n;
        OK(boltc_batch_encode(b, &buf, &n, &err));
        encoded += n;
        int more = boltc_batch_has_more(b);
        boltc_batch_free(b);
        if (!more) {
            break;
        }
    }
    CHECK(rows == 2000 && total == 2000 * 2001 / 2 && encoded > 2000 * 10);
    boltc_result_free(r);
    printf("batches: ok (%zu bytes encoded)\n", encoded);

    /* A transaction. */
    boltc_transaction *tx = NULL;
    OK(boltc_session_begin(s, -1, NULL, &tx, &err));
    OK(boltc_transaction_run_cstr(tx, "RETURN 41 + 1 AS x", NULL, &r, &err));
    OK(boltc_result_single(r, &rec, &err));
    int64_t x;
    OK(boltc_value_as_int(boltc_record_get(rec, 0), &x, &err));
    CHECK(x == 42);
    boltc_record_free(rec);
    boltc_result_free(r);
    OK(boltc_transaction_commit(tx, &err));
    boltc_transaction_free(tx);

    /* A server error carries its code. */
    boltc_error *e = NULL;
    CHECK(boltc_session_run_cstr(s, "RETURN ((", NULL, &r, &e) != BOLTC_STATUS_OK);
    CHECK(e != NULL && boltc_error_server_code(e) != NULL);
    printf("server error: %s (%s)\n", boltc_status_name(boltc_error_status(e)), boltc_error_server_code(e));
    boltc_error_free(e);

    OK(boltc_session_run_cstr(s, "MATCH (n) DELETE n", NULL, &r, &err));
    OK(boltc_result_consume(r, &sum, &err));
    boltc_summary_free(sum);
    boltc_result_free(r);
    boltc_session_free(s);
    boltc_driver_free(drv);
    printf("falkordb: all ok\n");
    return 0;
}
