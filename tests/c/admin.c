/* Against the stub server (tests/c/scripts/admin.script, see tests/c_api.rs): the user agent,
 * server info from the driver, a session and a transaction, the connection id on a summary,
 * and the dbms.listConnections / killConnection(s) helpers with their row accessors. */
#include "check.h"

static void check_info(boltc_server_info *info) {
    const char *s;
    size_t n;
    uint8_t major = 0, minor = 0;
    OK(boltc_server_info_string(info, BOLTC_SERVER_INFO_CONNECTION_ID, &s, &n, &err));
    CHECK(str_eq(s, n, "bolt-9"));
    OK(boltc_server_info_string(info, BOLTC_SERVER_INFO_AGENT, &s, &n, &err));
    CHECK(str_eq(s, n, "Neo4j/5.4.0"));
    OK(boltc_server_info_string(info, BOLTC_SERVER_INFO_ADDRESS, &s, &n, &err));
    CHECK(n > 0 && memchr(s, ':', n) != NULL);
    OK(boltc_server_info_protocol_version(info, &major, &minor, &err));
    CHECK(major == 5 && minor == 4);
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_server_info_string(info, 99, &s, &n, NULL));
}

static void list_and_kill(boltc_driver *drv) {
    const char *s;
    size_t n;
    boltc_connection_list *list = NULL;
    OK(boltc_driver_list_connections(drv, &list, &err));
    CHECK(boltc_connection_list_len(list) == 2);
    OK(boltc_connection_list_string(list, 0, BOLTC_CONNECTION_ID, &s, &n, &err));
    CHECK(str_eq(s, n, "bolt-9"));
    OK(boltc_connection_list_string(list, 0, BOLTC_CONNECTION_USER_AGENT, &s, &n, &err));
    CHECK(str_eq(s, n, "c-admin/1.0"));
    OK(boltc_connection_list_string(list, 0, BOLTC_CONNECTION_CLIENT_ADDRESS, &s, &n, &err));
    CHECK(str_eq(s, n, "127.0.0.1:50000"));
    OK(boltc_connection_list_string(list, 1, BOLTC_CONNECTION_USERNAME, &s, &n, &err));
    CHECK(s == NULL && n == 0);
    OK(boltc_connection_list_string(list, 1, BOLTC_CONNECTION_CONNECTOR, &s, &n, &err));
    CHECK(str_eq(s, n, "http"));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_connection_list_string(list, 2, BOLTC_CONNECTION_ID, &s, &n, NULL));
    boltc_connection_list_free(list);

    boltc_kill_list *one = NULL;
    OK(boltc_driver_kill_connection(drv, "bolt-4321", &one, &err));
    CHECK(boltc_kill_list_len(one) == 1 && boltc_kill_list_found(one, 0));
    OK(boltc_kill_list_string(one, 0, BOLTC_KILL_USERNAME, &s, &n, &err));
    CHECK(str_eq(s, n, "joesmith"));
    boltc_kill_list_free(one);

    const char *ids[] = {"bolt-37", "http-42"};
    boltc_kill_list *many = NULL;
    OK(boltc_driver_kill_connections(drv, ids, 2, &many, &err));
    CHECK(boltc_kill_list_len(many) == 2);
    CHECK(boltc_kill_list_found(many, 0) && !boltc_kill_list_found(many, 1));
    CHECK(!boltc_kill_list_found(many, 7));
    OK(boltc_kill_list_string(many, 1, BOLTC_KILL_MESSAGE, &s, &n, &err));
    CHECK(str_eq(s, n, "No connection found with this id"));
    boltc_kill_list_free(many);
}

static void session_and_transaction(boltc_driver *drv) {
    boltc_session *sess = NULL;
    OK(boltc_driver_session(drv, NULL, &sess, &err));
    boltc_server_info *info = (boltc_server_info *)1;
    OK(boltc_session_connection_info(sess, &info, &err));
    CHECK(info == NULL); /* no connection between queries */

    boltc_transaction *tx = NULL;
    OK(boltc_session_begin(sess, -1, NULL, &tx, &err));
    OK(boltc_transaction_connection_info(tx, &info, &err));
    CHECK(info != NULL);
    check_info(info);
    boltc_server_info_free(info);
    OK(boltc_session_connection_info(sess, &info, &err));
    CHECK(info != NULL);
    boltc_server_info_free(info);

    boltc_result *r = NULL;
    OK(boltc_transaction_run_cstr(tx, "RETURN 1 AS x", NULL, &r, &err));
    boltc_summary *sum = NULL;
    OK(boltc_result_consume(r, &sum, &err));
    const char *s;
    size_t n;
    OK(boltc_summary_string(sum, BOLTC_SUMMARY_CONNECTION_ID, &s, &n, &err));
    CHECK(str_eq(s, n, "bolt-9"));
    boltc_summary_free(sum);
    boltc_result_free(r);
    OK(boltc_transaction_commit(tx, &err));
    EXPECT_STATUS(BOLTC_STATUS_ILLEGAL_STATE, boltc_transaction_connection_info(tx, &info, NULL));
    boltc_transaction_free(tx);
    boltc_session_free(sess);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: admin bolt://host:port\n");
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_user_agent(cfg, "c-admin/1.0", &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 5000, &err));
    /* This program's reads sleep at once; the other programs poll first (the default). */
    OK(boltc_config_set_busy_poll_us(cfg, 0, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);

    boltc_server_info *info = NULL;
    OK(boltc_driver_server_info(drv, &info, &err));
    check_info(info);
    boltc_server_info_free(info);
    boltc_server_info_free(NULL);
    CHECK(boltc_connection_list_len(NULL) == 0 && boltc_kill_list_len(NULL) == 0);
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_driver_list_connections(NULL, NULL, NULL));

    list_and_kill(drv);
    session_and_transaction(drv);

    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    printf("admin: all ok\n");
    return 0;
}
