/* End to end against a real Neo4j (tests/c_api.rs runs it once per running server line):
 * connect with basic auth, a query with parameters, a transaction function (write, then read
 * back through another), and a temporal and spatial round trip: a zoned date-time with
 * nanoseconds after 2100, a date before 1970 and a 3D WGS-84 point go to the server as
 * parameters, the server checks them against its own literals and sends them back unchanged.
 *
 * Usage: neo4j <bolt uri> <user> <password> <label> */
#include "check.h"

struct work {
    const char *label;
    int attempts;
    int64_t n;
};

/* CREATE one node of the label and return how many the label has now. */
static boltc_status create_one(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work *w = user_data;
    char q[256];
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    w->attempts++;
    snprintf(q, sizeof q, "CREATE (:%s {k: 'txfn'}) WITH 1 AS x MATCH (n:%s) RETURN count(n) AS c",
             w->label, w->label);
    boltc_status st = boltc_transaction_run_cstr(tx, q, NULL, &r, error_out);
    if (st == BOLTC_STATUS_OK)
        st = boltc_result_single(r, &rec, error_out);
    if (st == BOLTC_STATUS_OK) {
        OK(boltc_value_as_int(boltc_record_get(rec, 0), &w->n, &err));
        boltc_record_free(rec);
    }
    boltc_result_free(r);
    return st;
}

/* MATCH the label's nodes and return their count. */
static boltc_status count_all(boltc_transaction *tx, void *user_data, boltc_error **error_out) {
    struct work *w = user_data;
    char q[256];
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    w->attempts++;
    snprintf(q, sizeof q, "MATCH (n:%s) RETURN count(n) AS c", w->label);
    boltc_status st = boltc_transaction_run_cstr(tx, q, NULL, &r, error_out);
    if (st == BOLTC_STATUS_OK)
        st = boltc_result_single(r, &rec, error_out);
    if (st == BOLTC_STATUS_OK) {
        OK(boltc_value_as_int(boltc_record_get(rec, 0), &w->n, &err));
        boltc_record_free(rec);
    }
    boltc_result_free(r);
    return st;
}

static const boltc_value *field(const boltc_record *rec, const char *name) {
    const boltc_value *v = NULL;
    OK(boltc_record_get_by_key(rec, name, strlen(name), &v, &err));
    CHECK(v != NULL);
    return v;
}

static int64_t int_field(const boltc_record *rec, const char *name) {
    int64_t v = 0;
    OK(boltc_value_as_int(field(rec, name), &v, &err));
    return v;
}

static int bool_field(const boltc_record *rec, const char *name) {
    bool v = false;
    OK(boltc_value_as_bool(field(rec, name), &v, &err));
    return v;
}

/* The summary of `query` (run in `s`); the caller frees it. */
static boltc_summary *summary_of(boltc_session *s, const char *query) {
    boltc_result *r = NULL;
    boltc_summary *sum = NULL;
    OK(boltc_session_run_cstr(s, query, NULL, &r, &err));
    OK(boltc_result_consume(r, &sum, &err));
    boltc_result_free(r);
    return sum;
}

/* Database hits of `plan` and every operator below it. */
static int64_t total_db_hits(const boltc_plan *plan) {
    boltc_profile_stats st;
    OK(boltc_plan_stats(plan, &st, &err));
    CHECK(st.has_stats);
    int64_t hits = st.db_hits;
    for (size_t i = 0; i < boltc_plan_children_len(plan); i++)
        hits += total_db_hits(boltc_plan_child(plan, i));
    return hits;
}

/* Typed EXPLAIN and PROFILE trees, and a GQL status object the server sends for a cartesian
 * product (a PERFORMANCE notification). */
static void plans_and_statuses(boltc_session *s, const char *label) {
    char q[256];
    const char *str;
    size_t len;
    snprintf(q, sizeof q, "PROFILE MATCH (n:%s) RETURN n.name", label);
    boltc_summary *sum = summary_of(s, q);
    const boltc_plan *root = boltc_summary_profile(sum);
    CHECK(root != NULL && boltc_summary_plan(sum) == NULL);
    OK(boltc_plan_operator_type(root, &str, &len, &err));
    CHECK(len >= 14 && memcmp(str, "ProduceResults", 14) == 0);
    CHECK(boltc_plan_children_len(root) >= 1);
    CHECK(total_db_hits(root) > 0);
    boltc_summary_free(sum);

    snprintf(q, sizeof q, "EXPLAIN MATCH (a:%s), (b:%s) RETURN count(*)", label, label);
    sum = summary_of(s, q);
    root = boltc_summary_plan(sum);
    CHECK(root != NULL && boltc_summary_profile(sum) == NULL);
    boltc_profile_stats st;
    OK(boltc_plan_stats(root, &st, &err));
    CHECK(!st.has_stats);
    int found = 0;
    for (size_t i = 0; i < boltc_summary_gql_statuses_len(sum); i++) {
        OK(boltc_summary_gql_status_string(sum, i, BOLTC_GQL_STATUS_CLASSIFICATION, &str, &len, &err));
        if (str_eq(str, len, "PERFORMANCE") && boltc_summary_gql_status_is_notification(sum, i)) {
            OK(boltc_summary_gql_status_string(sum, i, BOLTC_GQL_STATUS_CODE, &str, &len, &err));
            CHECK(len == 5);
            CHECK(boltc_summary_gql_status_position(sum, i) != NULL);
            found = 1;
        }
    }
    CHECK(found);
    boltc_summary_free(sum);
}

/* boltc_driver_execute_query: a write, then a read routed to a reader that sees it (the
 * driver's bookmark manager chains the two), with metadata and a timeout. */
static void execute_query(boltc_driver *drv, const char *label) {
    char q[256];
    boltc_eager_result *r = NULL;
    snprintf(q, sizeof q, "CREATE (:%s {k: 'eq'}) RETURN 42 AS answer", label);
    OK(boltc_driver_execute_query(drv, q, strlen(q), NULL, NULL, &r, &err));
    int64_t v = 0;
    CHECK(boltc_eager_result_records_len(r) == 1);
    OK(boltc_value_as_int(boltc_eager_result_value(r, 0, 0), &v, &err));
    CHECK(v == 42);
    boltc_eager_result_free(r);

    boltc_query_config *qc = NULL;
    OK(boltc_query_config_new(&qc, &err));
    OK(boltc_query_config_set_routing(qc, BOLTC_ACCESS_MODE_READ, &err));
    boltc_map *meta = boltc_map_new();
    OK(boltc_map_set_string(meta, "app", "boltc-c-test", &err));
    OK(boltc_query_config_set_transaction(qc, 10000, meta, &err));
    boltc_map_free(meta);
    snprintf(q, sizeof q, "MATCH (n:%s {k: 'eq'}) RETURN count(n) AS c", label);
    OK(boltc_driver_execute_query(drv, q, strlen(q), NULL, qc, &r, &err));
    boltc_query_config_free(qc);
    OK(boltc_value_as_int(boltc_eager_result_value(r, 0, 0), &v, &err));
    CHECK(v == 1);
    const char *key;
    size_t key_len;
    OK(boltc_eager_result_key(r, 0, &key, &key_len, &err));
    CHECK(str_eq(key, key_len, "c"));
    boltc_eager_result_free(r);

    /* A server error comes back typed, not retried. */
    boltc_error *e = NULL;
    CHECK(boltc_driver_execute_query(drv, "RETURN oops", 11, NULL, NULL, &r, &e) ==
          BOLTC_STATUS_CLIENT_ERROR);
    CHECK(e != NULL && !boltc_error_is_retryable(e));
    boltc_error_free(e);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        return 2;
    }
    const char *label = argv[4];
    char q[512];
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    boltc_session *s = NULL;
    boltc_result *r = NULL;
    boltc_record *rec = NULL;

    /* Connect. */
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, argv[2], argv[3], &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 10000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_verify_connectivity(drv, &err));
    OK(boltc_driver_session(drv, NULL, &s, &err));
    printf("connect: ok\n");

    /* A query with parameters. */
    boltc_map *p = boltc_map_new();
    OK(boltc_map_set_string(p, "name", "Ann", &err));
    OK(boltc_map_set_int(p, "n", -9007199254740993LL, &err));
    snprintf(q, sizeof q, "CREATE (x:%s {name: $name, n: $n}) RETURN x.name AS name, x.n AS n", label);
    OK(boltc_session_run_cstr(s, q, p, &r, &err));
    boltc_map_free(p);
    OK(boltc_result_single(r, &rec, &err));
    const char *str;
    size_t len;
    OK(boltc_value_as_string(field(rec, "name"), &str, &len, &err));
    CHECK(str_eq(str, len, "Ann"));
    CHECK(int_field(rec, "n") == -9007199254740993LL);
    boltc_record_free(rec);
    boltc_result_free(r);
    printf("parameters: ok\n");

    /* Transaction functions: a write, then a read of what it wrote. */
    struct work w = {label, 0, 0};
    OK(boltc_session_execute_write(s, create_one, &w, &err));
    CHECK(w.attempts == 1 && w.n == 2);
    struct work rd = {label, 0, 0};
    OK(boltc_session_execute_read(s, count_all, &rd, &err));
    CHECK(rd.attempts == 1 && rd.n == 2);
    printf("transaction functions: ok\n");

    /* Temporal and spatial values both ways. */
    boltc_datetime dt = {0};
    dt.seconds = 4107584096LL; /* 2100-03-01T11:34:56Z = 12:34:56 in Berlin (UTC+1 in March) */
    dt.nanoseconds = 123456789;
    dt.tz_id = "Europe/Berlin";
    dt.tz_id_len = strlen(dt.tz_id);
    boltc_value *dtv = NULL;
    OK(boltc_value_new_datetime(dt, &dtv, &err));
    boltc_date d = {-25567}; /* 1900-01-01 */
    boltc_value *dv = boltc_value_new_date(d);
    boltc_point pt = {4979, 3, 12.5, 55.75, 30.25};
    boltc_value *pv = boltc_value_new_point(pt);
    p = boltc_map_new();
    OK(boltc_map_set_cstr(p, "dt", dtv, &err));
    OK(boltc_map_set_cstr(p, "d", dv, &err));
    OK(boltc_map_set_cstr(p, "p", pv, &err));
    boltc_value_free(dtv);
    boltc_value_free(dv);
    boltc_value_free(pv);
    OK(boltc_session_run_cstr(
        s,
        "RETURN $dt AS dt, $d AS d, $p AS p, "
        "$dt = datetime('2100-03-01T12:34:56.123456789[Europe/Berlin]') AS dt_same, "
        "$d = date('1900-01-01') AS d_same, "
        "$p = point({longitude: 12.5, latitude: 55.75, height: 30.25}) AS p_same, "
        "datetime('1969-12-31T23:59:59.999999999-05:30') AS server_dt, "
        "point({x: -1.5, y: 2.25}) AS server_p",
        p, &r, &err));
    boltc_map_free(p);
    OK(boltc_result_single(r, &rec, &err));
    CHECK(bool_field(rec, "dt_same"));
    CHECK(bool_field(rec, "d_same"));
    CHECK(bool_field(rec, "p_same"));
    boltc_datetime got;
    CHECK(boltc_value_get_type(field(rec, "dt")) == BOLTC_VALUE_TYPE_DATE_TIME_ZONE_ID);
    OK(boltc_value_as_datetime(field(rec, "dt"), &got, &err));
    CHECK(got.seconds == dt.seconds && got.nanoseconds == dt.nanoseconds);
    CHECK(str_eq(got.tz_id, got.tz_id_len, "Europe/Berlin"));
    boltc_date gd;
    OK(boltc_value_as_date(field(rec, "d"), &gd, &err));
    CHECK(gd.days == -25567);
    boltc_point gp;
    OK(boltc_value_as_point(field(rec, "p"), &gp, &err));
    CHECK(gp.srid == 4979 && gp.dimensions == 3 && gp.x == 12.5 && gp.y == 55.75 && gp.z == 30.25);
    /* Values the server made: an offset date-time before 1970, a Cartesian 2D point. */
    CHECK(boltc_value_get_type(field(rec, "server_dt")) == BOLTC_VALUE_TYPE_DATE_TIME);
    OK(boltc_value_as_datetime(field(rec, "server_dt"), &got, &err));
    /* 1969-12-31T23:59:59.999999999-05:30 = 1970-01-01T05:29:59.999999999Z */
    CHECK(got.seconds == 5 * 3600 + 29 * 60 + 59 && got.nanoseconds == 999999999);
    CHECK(got.tz_offset_seconds == -(5 * 3600 + 30 * 60) && got.tz_id == NULL);
    OK(boltc_value_as_point(field(rec, "server_p"), &gp, &err));
    CHECK(gp.srid == 7203 && gp.dimensions == 2 && gp.x == -1.5 && gp.y == 2.25);
    boltc_record_free(rec);
    boltc_result_free(r);
    printf("temporal and spatial: ok\n");

    plans_and_statuses(s, label);
    printf("plans and statuses: ok\n");
    execute_query(drv, label);
    printf("execute_query: ok\n");

    OK(boltc_session_close(s, &err));
    boltc_session_free(s);
    boltc_driver_free(drv);
    printf("neo4j: all ok\n");
    return 0;
}
