/* Against Neo4j (tests/c_api.rs passes the server's TLS files): mutual TLS with a client
 * certificate from the server's CA works and a self-signed one is refused with
 * BOLTC_STATUS_TLS; verify_authentication is true for the driver's credentials and false for a
 * wrong password; a session with its own token runs as that user; a neo4j:// driver shows the
 * routing table it holds, a bolt:// one none; the client key encrypted works with its
 * password, and a wrong password fails boltc_driver_new with BOLTC_STATUS_CONFIG; a client
 * certificate provider's new certificate is used by the next new connection.
 * usage: neo4j_auth URI USER PASSWORD CA CLIENT_CERT CLIENT_KEY UNTRUSTED_CERT UNTRUSTED_KEY
 *        ROUTING_URI ENCRYPTED_CLIENT_KEY KEY_PASSWORD */
#include "check.h"

static boltc_config *tls_config(char **argv, const char *cert, const char *key,
                                const char *key_password) {
    boltc_config *cfg = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, argv[2], argv[3], &err));
    OK(boltc_config_set_encrypted(cfg, true, &err));
    OK(boltc_config_set_trust(cfg, BOLTC_TRUST_CUSTOM_CA, argv[4], &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 10000, &err));
    OK(boltc_config_set_client_certificate(cfg, cert, key, key_password, &err));
    return cfg;
}

static boltc_driver *tls_driver(char **argv, const char *cert, const char *key) {
    boltc_config *cfg = tls_config(argv, cert, key, NULL);
    boltc_driver *drv = NULL;
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    return drv;
}

/* The certificate the provider hands out next (NULL: unchanged). */
static const char *next_cert[2];

static boltc_status rotating(void *user_data, boltc_client_certificate_sink *sink,
                             boltc_error **error_out) {
    (void)user_data;
    if (next_cert[0] == NULL)
        return BOLTC_STATUS_OK;
    boltc_status s = boltc_client_certificate_sink_set(sink, next_cert[0], next_cert[1], NULL, error_out);
    next_cert[0] = next_cert[1] = NULL;
    return s;
}

int main(int argc, char **argv) {
    if (argc != 12) {
        fprintf(stderr, "usage: neo4j_auth URI USER PASSWORD CA CERT KEY UNTRUSTED_CERT UNTRUSTED_KEY "
                        "ROUTING_URI ENCRYPTED_KEY KEY_PASSWORD\n");
        return 2;
    }
    boltc_driver *drv = tls_driver(argv, argv[5], argv[6]);
    OK(boltc_driver_verify_connectivity(drv, &err));

    bool valid = false;
    OK(boltc_driver_verify_authentication(drv, NULL, &valid, &err));
    CHECK(valid);
    boltc_auth *wrong = NULL;
    OK(boltc_auth_basic(argv[2], "not-the-password", NULL, &wrong, &err));
    valid = true;
    OK(boltc_driver_verify_authentication(drv, wrong, &valid, &err));
    CHECK(!valid);
    boltc_auth_free(wrong);

    /* A session with its own (here: the same user's) token runs as that user. */
    boltc_auth *same = NULL;
    OK(boltc_auth_basic(argv[2], argv[3], NULL, &same, &err));
    boltc_session_config *sc = NULL;
    OK(boltc_session_config_new(&sc, &err));
    OK(boltc_session_config_set_auth(sc, same, &err));
    boltc_auth_free(same);
    boltc_session *s = NULL;
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    OK(boltc_driver_session(drv, sc, &s, &err));
    boltc_session_config_free(sc);
    OK(boltc_session_run_cstr(s, "SHOW CURRENT USER YIELD user", NULL, &r, &err));
    OK(boltc_result_single(r, &rec, &err));
    const char *user = NULL;
    size_t len = 0;
    OK(boltc_value_as_string(boltc_record_get(rec, 0), &user, &len, &err));
    CHECK(str_eq(user, len, argv[2]));
    boltc_record_free(rec);
    boltc_result_free(r);
    boltc_session_free(s);
    boltc_routing_table *rt = (boltc_routing_table *)1;
    OK(boltc_driver_routing_table(drv, NULL, &rt, &err));
    CHECK(rt == NULL); /* bolt://: no routing */
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);

    /* The server checks the certificate it is shown: one not from its CA ends the handshake. */
    drv = tls_driver(argv, argv[7], argv[8]);
    EXPECT_STATUS(BOLTC_STATUS_TLS, boltc_driver_verify_connectivity(drv, NULL));
    boltc_driver_free(drv);

    /* Rotation: every connection is new (lifetime 0); after the provider switches to the
     * untrusted certificate, the next one is refused. */
    boltc_config *rc = tls_config(argv, argv[5], argv[6], NULL);
    OK(boltc_config_set_client_certificate_provider(rc, NULL, NULL, NULL, &err)); /* none: no-op */
    boltc_config_free(rc);
    rc = NULL;
    OK(boltc_config_new(argv[1], &rc, &err));
    OK(boltc_config_set_basic_auth(rc, argv[2], argv[3], &err));
    OK(boltc_config_set_encrypted(rc, true, &err));
    OK(boltc_config_set_trust(rc, BOLTC_TRUST_CUSTOM_CA, argv[4], &err));
    OK(boltc_config_set_max_connection_lifetime_ms(rc, 0, &err));
    OK(boltc_config_set_client_certificate_provider(rc, rotating, NULL, NULL, &err));
    next_cert[0] = argv[5];
    next_cert[1] = argv[6];
    OK(boltc_driver_new(rc, &drv, &err));
    boltc_config_free(rc);
    OK(boltc_driver_verify_connectivity(drv, &err));
    next_cert[0] = argv[7];
    next_cert[1] = argv[8];
    EXPECT_STATUS(BOLTC_STATUS_TLS, boltc_driver_verify_connectivity(drv, NULL));
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);

    /* The client key encrypted, with its password; a wrong password fails at boltc_driver_new
     * and the error does not contain it. */
    boltc_config *enc = tls_config(argv, argv[5], argv[10], argv[11]);
    OK(boltc_driver_new(enc, &drv, &err));
    boltc_config_free(enc);
    OK(boltc_driver_verify_connectivity(drv, &err));
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    enc = tls_config(argv, argv[5], argv[10], "not-the-key-password");
    boltc_error *bad = NULL;
    drv = NULL;
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(enc, &drv, &bad));
    CHECK(drv == NULL);
    const char *msg = boltc_error_message(bad);
    CHECK(msg != NULL && strstr(msg, "client.enc.key") != NULL);
    CHECK(strstr(msg, "not-the-key-password") == NULL);
    boltc_error_free(bad);
    boltc_config_free(enc);

    /* neo4j://: after a query, the table the driver fetched for the home database. */
    boltc_config *cfg = NULL;
    OK(boltc_config_new(argv[9], &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, argv[2], argv[3], &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_routing_table(drv, NULL, &rt, &err));
    CHECK(rt == NULL); /* nothing fetched yet */
    OK(boltc_driver_session(drv, NULL, &s, &err));
    OK(boltc_session_run_cstr(s, "RETURN 1", NULL, &r, &err));
    OK(boltc_result_single(r, &rec, &err));
    boltc_record_free(rec);
    boltc_result_free(r);
    boltc_session_free(s);
    OK(boltc_driver_routing_table(drv, NULL, &rt, &err));
    CHECK(rt != NULL);
    CHECK(boltc_routing_table_len(rt, BOLTC_ROUTING_ROUTERS) >= 1);
    CHECK(boltc_routing_table_len(rt, BOLTC_ROUTING_READERS) >= 1);
    CHECK(boltc_routing_table_len(rt, BOLTC_ROUTING_WRITERS) >= 1);
    CHECK(boltc_routing_table_len(rt, 7) == 0);
    CHECK(boltc_routing_table_ttl_ms(rt) > 0);
    const char *a = NULL;
    size_t alen = 0;
    OK(boltc_routing_table_address(rt, BOLTC_ROUTING_WRITERS, 0, &a, &alen, &err));
    CHECK(alen > 0 && memchr(a, ':', alen) != NULL);
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_routing_table_address(rt, BOLTC_ROUTING_WRITERS, 99, &a, &alen, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_routing_table_address(rt, 3, 0, &a, &alen, NULL));
    OK(boltc_routing_table_database(rt, &a, &alen, &err));
    CHECK(str_eq(a, alen, "neo4j"));
    boltc_routing_table_free(rt);
    boltc_routing_table_free(NULL);
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    printf("neo4j_auth: all ok\n");
    return 0;
}
