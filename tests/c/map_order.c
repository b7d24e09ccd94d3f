/* Map entry order through the C API (tests/c_api.rs runs it against
 * tests/c/scripts/map_order.script): boltc_map_entry gives a node's and a relationship's
 * properties and a map value in the order the server sent them (not sorted), rows whose maps
 * change key order keep each row's own order, and a map from boltc_map_new keeps the order of
 * first insertion (setting a key again replaces the value in place). */
#include "check.h"

/* Checks that `map` has exactly `keys` (n of them), in this order, and that lookups by key and
 * by position agree. */
static void expect_keys(const boltc_map *map, const char *const *keys, size_t n) {
    CHECK(boltc_map_len(map) == n);
    for (size_t i = 0; i < n; i++) {
        const char *k;
        size_t k_len;
        const boltc_value *by_index, *by_key;
        OK(boltc_map_entry(map, i, &k, &k_len, &by_index, &err));
        if (!str_eq(k, k_len, keys[i])) {
            fprintf(stderr, "entry %zu: got key %.*s, want %s\n", i, (int)k_len, k, keys[i]);
            exit(1);
        }
        OK(boltc_map_get(map, keys[i], strlen(keys[i]), &by_key, &err));
        CHECK(by_key == by_index);
    }
    const char *k;
    size_t k_len;
    const boltc_value *v;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_map_entry(map, n, &k, &k_len, &v, NULL));
}

static int64_t int_at(const boltc_map *map, const char *key) {
    const boltc_value *v;
    int64_t i;
    OK(boltc_map_get(map, key, strlen(key), &v, &err));
    CHECK(v != NULL);
    OK(boltc_value_as_int(v, &i, &err));
    return i;
}

static void server_order(boltc_session *s) {
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    OK(boltc_session_run_cstr(s, "RETURN order", NULL, &r, &err));
    OK(boltc_result_next(r, &rec, &err));
    CHECK(rec != NULL && boltc_record_len(rec) == 3);

    const boltc_node *node;
    OK(boltc_value_as_node(boltc_record_get(rec, 0), &node, &err));
    static const char *const props[] = {"name", "age",   "city",   "zip",   "born",
                                        "email", "id", "active", "score", "tags"};
    expect_keys(boltc_node_properties(node), props, 10);

    const boltc_map *m;
    OK(boltc_value_as_map(boltc_record_get(rec, 1), &m, &err));
    static const char *const mkeys[] = {"zeta", "alpha", "mid"};
    expect_keys(m, mkeys, 3);
    CHECK(int_at(m, "zeta") == 1 && int_at(m, "mid") == 3);

    const boltc_relationship *rel;
    OK(boltc_value_as_relationship(boltc_record_get(rec, 2), &rel, &err));
    static const char *const rkeys[] = {"since", "by", "at"};
    expect_keys(boltc_relationship_properties(rel), rkeys, 3);

    boltc_record_free(rec);
    OK(boltc_result_next(r, &rec, &err));
    CHECK(rec == NULL);
    boltc_result_free(r);
}

/* One row per batch, each batch freed before the next (so a row may decode into the memory
 * of the one before): every row keeps the order it came in. */
static void rows_in_their_own_order(boltc_session *s) {
    static const char *const ba[] = {"b", "a"};
    static const char *const ab[] = {"a", "b"};
    static const char *const *const want[] = {ba, ab, ba};
    static const int64_t b_values[] = {1, 4, 5};
    boltc_result *r = NULL;
    OK(boltc_session_run_cstr(s, "RETURN rows", NULL, &r, &err));
    for (size_t row = 0; row < 3; row++) {
        boltc_batch *b = NULL;
        OK(boltc_result_next_batch(r, 1, &b, &err));
        CHECK(boltc_batch_rows(b) == 1);
        const boltc_map *m;
        OK(boltc_value_as_map(boltc_batch_value(b, 0, 0), &m, &err));
        expect_keys(m, want[row], 2);
        CHECK(int_at(m, "b") == b_values[row]);
        boltc_batch_free(b);
    }
    boltc_batch *b = NULL;
    OK(boltc_result_next_batch(r, 1, &b, &err));
    CHECK(b == NULL || boltc_batch_rows(b) == 0);
    boltc_batch_free(b);
    boltc_result_free(r);
}

static void insertion_order(void) {
    boltc_map *m = boltc_map_new();
    CHECK(m != NULL);
    OK(boltc_map_set_int(m, "z", 1, &err));
    OK(boltc_map_set_string(m, "a", "first", &err));
    OK(boltc_map_set_null(m, "m", &err));
    /* Setting "a" again replaces its value and keeps its place. */
    OK(boltc_map_set_int(m, "a", 2, &err));
    static const char *const keys[] = {"z", "a", "m"};
    expect_keys(m, keys, 3);
    CHECK(int_at(m, "a") == 2);
    /* A map value built from it keeps the order too. */
    boltc_value *v = boltc_value_new_map(m);
    CHECK(v != NULL);
    const boltc_map *inner;
    OK(boltc_value_as_map(v, &inner, &err));
    expect_keys(inner, keys, 3);
    boltc_value_free(v);
    boltc_map_free(m);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s bolt://host:port\n", argv[0]);
        return 2;
    }
    insertion_order();
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    boltc_session *s = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_session(drv, NULL, &s, &err));
    server_order(s);
    rows_in_their_own_order(s);
    boltc_session_free(s);
    boltc_driver_free(drv);
    printf("map_order: all ok\n");
    return 0;
}
