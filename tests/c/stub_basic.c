/* Against the scripted stub server (see tests/c_api.rs): parameters, keys, batches, every
 * value family the script sends, summaries, a transaction, a server error, and misuse:
 * NULL handles, a session used after close, a result read after its session closed. */
#include <stddef.h>
#include "check.h"

static boltc_driver *connect_driver(const char *uri) {
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 5000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    return drv;
}


/* A small host for boltc_batch_build: objects are counted boxes; a row or list keeps its
 * items in `items`, which boltc fills directly when the builder gives their offset. */
typedef struct hobj {
    int refs;
    char kind;
    int64_t i;
    size_t len;
    struct hobj *items[4];
    char s[16];
} hobj;
static int h_live, h_scalar_rows, h_container_rows;
static hobj *h_make(char kind) {
    hobj *o = calloc(1, sizeof *o);
    o->refs = 1;
    o->kind = kind;
    h_live++;
    return o;
}
static void h_retain(void *o) { ((hobj *)o)->refs++; }
static void h_release(void *p) {
    hobj *o = p;
    if (--o->refs > 0) return;
    for (size_t i = 0; (o->kind == 'r' || o->kind == 'l') && i < o->len; i++)
        if (o->items[i]) h_release(o->items[i]);
    h_live--;
    free(o);
}
static void *h_bool(long v) { hobj *o = h_make('b'); o->i = v; return o; }
static void *h_int(int64_t v) { hobj *o = h_make('i'); o->i = v; return o; }
static void *h_float(double v) { hobj *o = h_make('f'); o->i = (int64_t)v; return o; }
static void *h_str(const char *d, ptrdiff_t n) {
    hobj *o = h_make('s');
    memcpy(o->s, d, n < 15 ? (size_t)n : 15);
    o->i = n;
    return o;
}
static void *h_list(ptrdiff_t n) {
    if (n > 4) return NULL;
    hobj *o = h_make('l');
    o->len = (size_t)n;
    return o;
}
static int h_set(void *c, ptrdiff_t i, void *item) {
    hobj *o = c;
    if (i < 0 || (size_t)i >= o->len) { h_release(item); return -1; }
    if (o->items[i]) h_release(o->items[i]);
    o->items[i] = item;
    return 0;
}
static void *h_map(void) { return NULL; }
static int h_map_set(void *m, void *k, void *v) { (void)m; (void)k; (void)v; return -1; }
/* Rows with NULL slots (for row_set), or with garbage boltc must overwrite (direct stores). */
static void *h_row(void *type, ptrdiff_t n) {
    hobj *o = h_make('r');
    o->len = (size_t)n;
    if (type != NULL) memset(o->items, 0xAB, sizeof o->items);
    return o;
}
static void h_scalar_row(void *o) { (void)o; h_scalar_rows++; }
static void h_container_row(void *o) { (void)o; h_container_rows++; }

/* Builds the rows (x, "bob") of `b` both ways: through row_set, and stored straight into the
 * slots at row_items_offset (then container_row, not scalar_row, marks rows). */
static void build_batch(const boltc_batch *b, int64_t first_x) {
    hobj *null_obj = h_make('n');
    boltc_builder builder = {
        null_obj, h_retain, h_release, h_bool, h_int, h_float, h_str, h_str, h_list, h_set,
        h_map, h_map_set, h_row, h_set, h_scalar_row, 0, h_container_row,
    };
    for (int direct = 0; direct < 2; direct++) {
        int before = h_live;
        h_scalar_rows = h_container_rows = 0;
        builder.row_items_offset = direct ? (ptrdiff_t)offsetof(hobj, items) : 0;
        builder.scalar_row = direct ? NULL : h_scalar_row;
        hobj *rows = h_list((ptrdiff_t)boltc_batch_rows(b));
        OK(boltc_batch_build(b, &builder, direct ? (void *)&builder : NULL, rows, &err));
        for (size_t r = 0; r < boltc_batch_rows(b); r++) {
            hobj *row = rows->items[r];
            CHECK(row->kind == 'r' && row->len == 2);
            CHECK(row->items[0]->kind == 'i' && row->items[0]->i == first_x + (int64_t)r);
            CHECK(row->items[1]->kind == 's' && strcmp(row->items[1]->s, "bob") == 0);
        }
        CHECK(h_scalar_rows == (direct ? 0 : (int)boltc_batch_rows(b)));
        CHECK(h_container_rows == 0);
        h_release(rows);
        CHECK(h_live == before);
    }
    builder.row_items_offset = -8;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_batch_build(b, &builder, NULL, NULL, NULL));
    h_release(null_obj);
    CHECK(h_live == 0);
}

/* boltc_pyhost_subscript against a host laid out as CPython's objects: a header (reference
 * count, type), then a tuple's length and item pointers, or an int's value. */
typedef struct pyobj {
    ptrdiff_t refs;
    const void *type;
    ptrdiff_t size;
    struct pyobj *items[3];
    long value;
} pyobj;
static const char py_int_type, py_str_type, py_dict_type, py_index_name;
static pyobj py_fallback_result;
static int py_fallbacks;
static long py_as_long(void *o, int *overflow) { (void)overflow; return ((pyobj *)o)->value; }
static void py_incref(void *o) { ((pyobj *)o)->refs++; }
static void py_decref(void *o) { ((pyobj *)o)->refs--; }
/* A record's type is a pyobj whose items[0] is its index: a "dict" whose items are (name,
 * index) pairs of pyobjs, a name being a "str" with an id in `value`. */
static void *py_get_attr(void *o, void *name) {
    CHECK(name == &py_index_name);
    pyobj *index = ((pyobj *)o)->items[0];
    index->refs++;
    return index;
}
static void *py_dict_get(void *d, void *key) {
    pyobj *dict = d;
    for (ptrdiff_t i = 0; i + 1 < dict->size; i += 2)
        if (dict->items[i]->value == ((pyobj *)key)->value) return dict->items[i + 1];
    return NULL;
}
static void *py_call(void *f, void *const *args, size_t n, void *kw) {
    CHECK(f == (void *)&py_fallbacks && n == 2 && kw == NULL && args[0] != args[1]);
    py_fallbacks++;
    return &py_fallback_result;
}

static void python_host(void) {
    pyobj a = {1, &py_int_type, 0, {0}, 10}, b = {1, &py_int_type, 0, {0}, 20};
    pyobj b_name = {1, &py_str_type, 0, {0}, 'b'}, one = {1, &py_int_type, 0, {0}, 1};
    pyobj index = {1, &py_dict_type, 2, {&b_name, &one}, 0};
    pyobj type = {1, NULL, 0, {&index}, 0};
    pyobj t = {1, &type, 2, {&a, &b}, 0};
    pyobj key = {1, &py_int_type, 0, {0}, -1}, name = {1, &py_str_type, 0, {0}, 'z'};
    boltc_pyhost host = {
        .int_type = (void *)&py_int_type,
        .type_offset = offsetof(pyobj, type),
        .size_offset = offsetof(pyobj, size),
        .items_offset = offsetof(pyobj, items),
        .as_long = py_as_long,
        .incref = py_incref,
        .call = py_call,
        .fallback = &py_fallbacks,
        .str_type = (void *)&py_str_type,
        .dict_type = (void *)&py_dict_type,
        .index_name = (void *)&py_index_name,
        .get_attr = py_get_attr,
        .dict_get = py_dict_get,
        .decref = py_decref,
    };
    CHECK(boltc_pyhost_subscript(&t, &key) == NULL); /* not initialized yet */
    boltc_pyhost bad = host;
    bad.items_offset = 3;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_pyhost_init(&bad, NULL));
    OK(boltc_pyhost_init(&host, &err));
    bad = host;
    bad.fallback = &py_fallback_result;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_pyhost_init(&bad, NULL));
    CHECK(boltc_pyhost_subscript(&t, &key) == &b && b.refs == 2); /* t[-1] */
    key.value = 0;
    CHECK(boltc_pyhost_subscript(&t, &key) == &a && a.refs == 2);
    name.value = 'b'; /* a column name: t["b"] */
    CHECK(boltc_pyhost_subscript(&t, &name) == &b && b.refs == 3 && index.refs == 1);
    key.value = 2; /* out of range, and a missing name: the fallback answers */
    CHECK(boltc_pyhost_subscript(&t, &key) == &py_fallback_result);
    name.value = 'z';
    CHECK(boltc_pyhost_subscript(&t, &name) == &py_fallback_result && py_fallbacks == 2);
}

static void params_and_batches(boltc_session *s) {
    boltc_map *params = boltc_map_new();
    boltc_value *xs = boltc_value_new_list();
    for (int64_t i = 1; i <= 3; i++) {
        boltc_value *v = boltc_value_new_int(i);
        OK(boltc_value_list_push(xs, v, &err));
        boltc_value_free(v);
    }
    OK(boltc_map_set_cstr(params, "xs", xs, &err));
    OK(boltc_map_set_string(params, "name", "bob", &err));
    boltc_value_free(xs);

    boltc_result *r = NULL;
    OK(boltc_session_run_cstr(s, "UNWIND $xs AS x RETURN x, $name AS name", params, &r, &err));
    boltc_map_free(params);

    size_t nkeys = 0;
    const char *key;
    size_t key_len;
    OK(boltc_result_keys_len(r, &nkeys, &err));
    CHECK(nkeys == 2);
    OK(boltc_result_key(r, 1, &key, &key_len, &err));
    CHECK(str_eq(key, key_len, "name"));

    boltc_batch *b = NULL;
    OK(boltc_result_next_batch(r, 2, &b, &err));
    CHECK(boltc_batch_rows(b) == 2 && boltc_batch_columns(b) == 2 && boltc_batch_has_more(b));
    int64_t sum = 0;
    for (size_t row = 0; row < boltc_batch_rows(b); row++) {
        int64_t x;
        OK(boltc_value_as_int(boltc_batch_value(b, row, 0), &x, &err));
        sum += x;
        const char *name;
        size_t name_len;
        OK(boltc_value_as_string(boltc_batch_value(b, row, 1), &name, &name_len, &err));
        CHECK(str_eq(name, name_len, "bob"));
    }
    CHECK(boltc_batch_value(b, 5, 0) == NULL);
    build_batch(b, 1);
    /* A column of ints in one call; nothing written unless every value converts. */
    int64_t xs_out[3] = {-1, -1, -1};
    OK(boltc_batch_column_int(b, 0, xs_out, 3, &err));
    CHECK(xs_out[0] == 1 && xs_out[1] == 2 && xs_out[2] == -1);
    int64_t untouched[2] = {-1, -1};
    EXPECT_STATUS(BOLTC_STATUS_CONVERSION, boltc_batch_column_int(b, 1, untouched, 2, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_batch_column_int(b, 2, untouched, 2, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_batch_column_int(b, 0, untouched, 1, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_batch_column_int(b, 0, NULL, 2, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_batch_column_int(NULL, 0, untouched, 2, NULL));
    CHECK(untouched[0] == -1 && untouched[1] == -1);
    double fs_out[2] = {0.5, 0.5};
    boltc_error *conv = NULL;
    CHECK(boltc_batch_column_float(b, 0, fs_out, 2, &conv) == BOLTC_STATUS_CONVERSION);
    CHECK(conv != NULL && fs_out[0] == 0.5);
    boltc_error_free(conv);
    const uint8_t *buf;
    size_t buf_len;
    OK(boltc_batch_encode(b, &buf, &buf_len, &err));
    CHECK(buf_len > 8 && memcmp(buf, "BCB1", 4) == 0);
    boltc_batch_free(b);

    /* Decoded into the rows of the batch freed above. */
    OK(boltc_result_next_batch(r, 100, &b, &err));
    CHECK(boltc_batch_rows(b) == 1 && !boltc_batch_has_more(b));
    int64_t x;
    OK(boltc_value_as_int(boltc_batch_value(b, 0, 0), &x, &err));
    sum += x;
    CHECK(sum == 6);
    /* A batch still held while the next is fetched keeps its values. */
    boltc_batch *after = NULL;
    OK(boltc_result_next_batch(r, 100, &after, &err));
    CHECK(boltc_batch_rows(after) == 0 && !boltc_batch_has_more(after));
    OK(boltc_value_as_int(boltc_batch_value(b, 0, 0), &x, &err));
    CHECK(x == 3);

    boltc_summary *sum_h = NULL;
    OK(boltc_result_consume(r, &sum_h, &err));
    CHECK(boltc_summary_query_type(sum_h) == BOLTC_QUERY_TYPE_READ);
    CHECK(boltc_summary_result_available_after_ms(sum_h) == 1);
    const char *db;
    size_t db_len;
    OK(boltc_summary_string(sum_h, BOLTC_SUMMARY_DATABASE, &db, &db_len, &err));
    CHECK(str_eq(db, db_len, "neo4j"));
    uint8_t major, minor;
    OK(boltc_summary_protocol_version(sum_h, &major, &minor, &err));
    CHECK(major == 5 && minor == 4);
    boltc_summary_free(sum_h);
    boltc_result_free(r);
    /* Batches outlive their result. */
    const char *name;
    size_t name_len;
    OK(boltc_value_as_string(boltc_batch_value(b, 0, 1), &name, &name_len, &err));
    CHECK(str_eq(name, name_len, "bob"));
    boltc_batch_free(after);
    boltc_batch_free(b);
    printf("params and batches: ok\n");
}

static void graph_and_temporal(boltc_session *s) {
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    OK(boltc_session_run_cstr(s, "RETURN graph", NULL, &r, &err));
    OK(boltc_result_next(r, &rec, &err));
    CHECK(rec != NULL && boltc_record_len(rec) == 5);

    const boltc_node *node;
    OK(boltc_value_as_node(boltc_record_get(rec, 0), &node, &err));
    const char *p;
    size_t n;
    OK(boltc_node_element_id(node, &p, &n, &err));
    CHECK(str_eq(p, n, "n1") && boltc_node_id(node) == 1);
    CHECK(boltc_node_labels_len(node) == 1);
    OK(boltc_node_label(node, 0, &p, &n, &err));
    CHECK(str_eq(p, n, "Person"));
    const boltc_value *name;
    OK(boltc_map_get(boltc_node_properties(node), "name", 4, &name, &err));
    OK(boltc_value_as_string(name, &p, &n, &err));
    CHECK(str_eq(p, n, "Ann"));

    const boltc_relationship *rel;
    OK(boltc_value_as_relationship(boltc_record_get(rec, 1), &rel, &err));
    OK(boltc_relationship_type(rel, &p, &n, &err));
    CHECK(str_eq(p, n, "KNOWS"));
    OK(boltc_relationship_element_id(rel, BOLTC_REL_END_ID, &p, &n, &err));
    CHECK(str_eq(p, n, "n2") && boltc_relationship_id(rel, BOLTC_REL_START_ID) == 1);

    const boltc_path *path;
    OK(boltc_value_as_path(boltc_record_get(rec, 2), &path, &err));
    CHECK(boltc_path_len(path) == 1);
    OK(boltc_node_element_id(boltc_path_node(path, 1), &p, &n, &err));
    CHECK(str_eq(p, n, "n2"));
    OK(boltc_relationship_type(boltc_path_relationship(path, 0), &p, &n, &err));
    CHECK(str_eq(p, n, "KNOWS"));
    CHECK(boltc_path_node(path, 2) == NULL);

    boltc_date date;
    OK(boltc_value_as_date(boltc_record_get(rec, 3), &date, &err));
    CHECK(date.days == 19000);
    boltc_point pt;
    OK(boltc_value_as_point(boltc_record_get(rec, 4), &pt, &err));
    CHECK(pt.srid == 7203 && pt.dimensions == 2 && pt.x == 1.5 && pt.y == -2.0);

    /* A wrong type is a conversion error, with an error object. */
    boltc_error *err = NULL;
    int64_t i;
    EXPECT_STATUS(BOLTC_STATUS_CONVERSION, boltc_value_as_int(boltc_record_get(rec, 3), &i, &err));
    CHECK(err != NULL && boltc_error_status(err) == BOLTC_STATUS_CONVERSION);
    boltc_error_free(err);

    /* Keep a value beyond its record. */
    boltc_value *kept = boltc_value_clone(boltc_record_get(rec, 0));
    boltc_record_free(rec);
    CHECK(boltc_value_get_type(kept) == BOLTC_VALUE_TYPE_NODE);
    boltc_value_free(kept);

    OK(boltc_result_next(r, &rec, &err));
    CHECK(rec == NULL);
    boltc_result_free(r);
    printf("graph and temporal: ok\n");
}

static void server_error_and_transaction(boltc_session *s) {
    boltc_result *r = NULL;
    boltc_error *err = NULL;
    EXPECT_STATUS(BOLTC_STATUS_CLIENT_ERROR, boltc_session_run_cstr(s, "RETURN oops", NULL, &r, &err));
    CHECK(r == NULL && err != NULL);
    CHECK(strcmp(boltc_error_server_code(err), "Neo.ClientError.Statement.SyntaxError") == 0);
    CHECK(strcmp(boltc_error_classification(err), "ClientError") == 0);
    CHECK(!boltc_error_is_retryable(err));
    boltc_error_free(err);

    boltc_transaction *tx = NULL;
    OK(boltc_session_begin(s, -1, NULL, &tx, &err));
    /* A second transaction, or an auto-commit query, is refused while one is open. */
    boltc_transaction *tx2 = NULL;
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_begin(s, -1, NULL, &tx2, NULL));
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_run_cstr(s, "RETURN 1", NULL, &r, NULL));
    OK(boltc_transaction_run_cstr(tx, "CREATE (n) RETURN 1 AS one", NULL, &r, &err));
    boltc_record *rec = NULL;
    OK(boltc_result_single(r, &rec, &err));
    int64_t one;
    OK(boltc_value_as_int(boltc_record_get(rec, 0), &one, &err));
    CHECK(one == 1);
    boltc_record_free(rec);
    OK(boltc_transaction_commit(tx, &err));
    /* The transaction is closed now; its result is out of scope. */
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_commit(tx, NULL));
    EXPECT_STATUS(BOLTC_STATUS_RESULT_CONSUMED, boltc_result_next(r, &rec, NULL));
    boltc_result_free(r);
    boltc_transaction_free(tx);

    boltc_value *bms = NULL;
    OK(boltc_session_last_bookmarks(s, &bms, &err));
    size_t nbm = 0;
    OK(boltc_value_list_len(bms, &nbm, &err));
    CHECK(nbm == 1);
    boltc_value_free(bms);
    printf("errors and transactions: ok\n");
}

static void misuse(boltc_driver *drv) {
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    boltc_error *err = NULL;
    /* NULL handles and out-params. */
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_session_run_cstr(NULL, "RETURN 1", NULL, &r, &err));
    CHECK(err != NULL && boltc_error_status(err) == BOLTC_STATUS_NULL_ARGUMENT);
    boltc_error_free(err);
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_result_next(NULL, &rec, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_driver_session(drv, NULL, NULL, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_driver_verify_connectivity(NULL, NULL));
    CHECK(boltc_record_get(NULL, 0) == NULL && boltc_batch_rows(NULL) == 0);
    CHECK(boltc_value_get_type(NULL) == BOLTC_VALUE_TYPE_NULL);
    /* Invalid UTF-8. */
    const char bad[] = {'R', (char)0xff, 0};
    boltc_session *s = NULL;
    OK(boltc_driver_session(drv, NULL, &s, &err));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_session_run(s, bad, 2, NULL, -1, NULL, &r, NULL));

    /* A result read after its session was closed; then the session itself. */
    OK(boltc_session_run_cstr(s, "UNWIND [1, 2] AS x RETURN x", NULL, &r, &err));
    OK(boltc_session_close(s, &err));
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_result_next(r, &rec, NULL));
    boltc_batch *b = NULL;
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_result_next_batch(r, 10, &b, NULL));
    CHECK(b == NULL);
    boltc_result *r2 = NULL;
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_session_run_cstr(s, "RETURN 1", NULL, &r2, NULL));
    CHECK(r2 == NULL);
    boltc_session_free(s); /* before its result: handles may be freed in any order */
    boltc_result_free(r);

    /* A transaction used after its session was closed (the close rolled it back). */
    boltc_transaction *tx = NULL;
    OK(boltc_driver_session(drv, NULL, &s, &err));
    OK(boltc_session_begin(s, -1, NULL, &tx, &err));
    OK(boltc_session_close(s, &err));
    r = NULL;
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_run_cstr(tx, "RETURN 1", NULL, &r, NULL));
    CHECK(r == NULL);
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_commit(tx, NULL));
    boltc_session_free(s); /* before its transaction */
    boltc_transaction_free(tx);
    boltc_transaction_free(NULL);
    boltc_session_free(NULL);
    boltc_result_free(NULL);
    boltc_error_free(NULL);
    printf("misuse: ok\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    python_host();
    boltc_driver *drv = connect_driver(argv[1]);
    boltc_session *s = NULL;
    OK(boltc_driver_session(drv, NULL, &s, &err));
    params_and_batches(s);
    graph_and_temporal(s);
    server_error_and_transaction(s);
    OK(boltc_session_close(s, &err));
    boltc_session_free(s);
    misuse(drv);
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    printf("stub_basic: all ok\n");
    return 0;
}
