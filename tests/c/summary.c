/* GQL status objects and typed plans/profiles on summaries, against the scripted stub server
 * (tests/c/scripts/summary.script, Bolt 5.6: the server sends the status objects itself). */
#include "check.h"

static const boltc_value *get(const boltc_map *m, const char *key) {
    const boltc_value *v = NULL;
    OK(boltc_map_get(m, key, strlen(key), &v, &err));
    return v;
}

static int gql_str_is(const boltc_summary *s, size_t i, int32_t which, const char *want) {
    const char *p;
    size_t n;
    OK(boltc_summary_gql_status_string(s, i, which, &p, &n, &err));
    if (want == NULL) return p == NULL && n == 0;
    return p != NULL && str_eq(p, n, want);
}

static int op_is(const boltc_plan *p, const char *want) {
    const char *s;
    size_t n;
    OK(boltc_plan_operator_type(p, &s, &n, &err));
    return str_eq(s, n, want);
}

static boltc_summary *run_and_consume(boltc_session *session, const char *query) {
    boltc_result *r = NULL;
    boltc_summary *s = NULL;
    OK(boltc_session_run_cstr(session, query, NULL, &r, &err));
    OK(boltc_result_consume(r, &s, &err));
    boltc_result_free(r);
    return s;
}

static void explained(boltc_session *session) {
    boltc_summary *s = run_and_consume(session, "EXPLAIN MATCH (n) RETURN n");
    CHECK(boltc_summary_gql_statuses_len(s) == 2);
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_CODE, "03N90"));
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_DESCRIPTION, "info: cartesian product"));
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_SEVERITY, "INFORMATION"));
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_CLASSIFICATION, "PERFORMANCE"));
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_RAW_CLASSIFICATION, "PERFORMANCE"));
    CHECK(boltc_summary_gql_status_is_notification(s, 0));
    const boltc_map *pos = boltc_summary_gql_status_position(s, 0);
    CHECK(pos != NULL);
    int64_t column = 0;
    OK(boltc_value_as_int(get(pos, "column"), &column, &err));
    CHECK(column == 7);
    const boltc_map *diag = boltc_summary_gql_status_diagnostic_record(s, 0);
    CHECK(diag != NULL && get(diag, "_severity") != NULL);
    /* Defaults filled in where the server sent none. */
    CHECK(get(diag, "OPERATION") != NULL);

    /* An unknown classification parses as UNKNOWN, the raw one is kept; no severity sent. */
    CHECK(gql_str_is(s, 1, BOLTC_GQL_STATUS_CLASSIFICATION, "UNKNOWN"));
    CHECK(gql_str_is(s, 1, BOLTC_GQL_STATUS_RAW_CLASSIFICATION, "SOMETHING_NEW"));
    CHECK(gql_str_is(s, 1, BOLTC_GQL_STATUS_SEVERITY, "UNKNOWN"));
    CHECK(gql_str_is(s, 1, BOLTC_GQL_STATUS_RAW_SEVERITY, NULL));
    CHECK(!boltc_summary_gql_status_is_notification(s, 1));
    CHECK(boltc_summary_gql_status_position(s, 1) == NULL);

    /* Out of range and bad selectors are typed errors, not crashes. */
    const char *p;
    size_t n;
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_summary_gql_status_string(s, 2, BOLTC_GQL_STATUS_CODE, &p, &n, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_summary_gql_status_string(s, 0, 99, &p, &n, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_summary_gql_status_string(s, 0, BOLTC_GQL_STATUS_CODE, NULL, &n, NULL));
    CHECK(boltc_summary_gql_status_diagnostic_record(s, 2) == NULL);
    CHECK(!boltc_summary_gql_status_is_notification(s, 2));

    /* The plan: typed tree, no figures. */
    CHECK(boltc_summary_profile(s) == NULL);
    const boltc_plan *root = boltc_summary_plan(s);
    CHECK(root != NULL && op_is(root, "ProduceResults@neo4j"));
    CHECK(boltc_plan_identifiers_len(root) == 1);
    OK(boltc_plan_identifier(root, 0, &p, &n, &err));
    CHECK(str_eq(p, n, "n"));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_plan_identifier(root, 1, &p, &n, NULL));
    const boltc_map *args = boltc_plan_arguments(root);
    OK(boltc_value_as_string(get(args, "planner"), &p, &n, &err));
    CHECK(str_eq(p, n, "COST"));
    CHECK(boltc_plan_children_len(root) == 1 && boltc_plan_child(root, 1) == NULL);
    const boltc_plan *scan = boltc_plan_child(root, 0);
    CHECK(op_is(scan, "AllNodesScan@neo4j") && boltc_plan_children_len(scan) == 0);
    boltc_profile_stats st;
    st.has_stats = true;
    st.db_hits = 99;
    OK(boltc_plan_stats(root, &st, &err));
    CHECK(!st.has_stats && st.db_hits == 0);
    boltc_summary_free(s);
}

static void profiled(boltc_session *session) {
    boltc_summary *s = run_and_consume(session, "PROFILE MATCH (n) RETURN n");
    CHECK(boltc_summary_plan(s) == NULL);
    const boltc_plan *root = boltc_summary_profile(s);
    CHECK(root != NULL && op_is(root, "ProduceResults@neo4j"));
    boltc_profile_stats st;
    OK(boltc_plan_stats(root, &st, &err));
    CHECK(st.has_stats && st.rows == 1 && st.db_hits == 0 && st.page_cache_hits == 3 &&
          st.page_cache_misses == 1 && st.page_cache_hit_ratio == 0.75 && st.time == 1200);
    OK(boltc_plan_stats(boltc_plan_child(root, 0), &st, &err));
    CHECK(st.has_stats && st.db_hits == 2 && st.time == 0);
    CHECK(boltc_summary_gql_statuses_len(s) == 1);
    CHECK(gql_str_is(s, 0, BOLTC_GQL_STATUS_CODE, "00000"));
    boltc_summary_free(s);
}

static void null_handles(void) {
    const char *p;
    size_t n;
    boltc_profile_stats st;
    CHECK(boltc_summary_gql_statuses_len(NULL) == 0);
    CHECK(boltc_summary_plan(NULL) == NULL && boltc_summary_profile(NULL) == NULL);
    CHECK(boltc_summary_gql_status_position(NULL, 0) == NULL);
    CHECK(boltc_plan_children_len(NULL) == 0 && boltc_plan_child(NULL, 0) == NULL);
    CHECK(boltc_plan_identifiers_len(NULL) == 0 && boltc_plan_arguments(NULL) == NULL);
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_plan_operator_type(NULL, &p, &n, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_plan_stats(NULL, &st, NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_summary_gql_status_string(NULL, 0, BOLTC_GQL_STATUS_CODE, &p, &n, NULL));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: summary URI\n");
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    boltc_session *session = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_session(drv, NULL, &session, &err));
    explained(session);
    profiled(session);
    null_handles();
    OK(boltc_session_close(session, &err));
    boltc_session_free(session);
    boltc_driver_free(drv);
    printf("summary: all ok\n");
    return 0;
}
