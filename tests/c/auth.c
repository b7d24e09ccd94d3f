/* Against the stub server (tests/c/scripts/auth.script, see tests/c_api.rs): authentication
 * tokens. The driver logs on with a custom token (scheme, principal, credentials, realm,
 * parameters); a session with its own basic token re-authenticates the pooled connection as
 * that user; boltc_driver_verify_authentication re-authenticates with the driver's token (true)
 * and reports a rejected kerberos token as false. Also: an encrypted client key is refused. */
#include "check.h"

static void run_one(boltc_driver *drv, const boltc_session_config *sc) {
    boltc_session *s = NULL;
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    int64_t n = 0;
    OK(boltc_driver_session(drv, sc, &s, &err));
    OK(boltc_session_run_cstr(s, "RETURN 1 AS n", NULL, &r, &err));
    OK(boltc_result_single(r, &rec, &err));
    OK(boltc_value_as_int(boltc_record_get(rec, 0), &n, &err));
    CHECK(n == 1);
    boltc_record_free(rec);
    boltc_result_free(r);
    OK(boltc_session_close(s, &err));
    boltc_session_free(s);
}

/* A client certificate provider: answers from `provider_answers` (0: unchanged, 1: a missing
 * file, 2: fail with a message). */
static int provider_answer = 0;
static int provider_calls = 0;
static int provider_freed = 0;

static boltc_status cert_provider(void *user_data, boltc_client_certificate_sink *sink,
                                  boltc_error **error_out) {
    CHECK(user_data == &provider_answer);
    provider_calls++;
    if (provider_answer == 1)
        return boltc_client_certificate_sink_set(sink, "/nonexistent/rot.pem", "/nonexistent/rot.key",
                                                 "pw-r9", error_out);
    if (provider_answer == 2) {
        *error_out = boltc_error_new(BOLTC_STATUS_CONFIG, "vault sealed", false);
        return BOLTC_STATUS_CONFIG;
    }
    return BOLTC_STATUS_OK;
}

static void free_provider(void *user_data) {
    CHECK(user_data == &provider_answer);
    provider_freed++;
}

/* The provider is asked before each new connection is opened, and what it says decides. */
static void client_certificate_provider(void) {
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new("bolt+ssc://127.0.0.1:1", &cfg, &err));
    OK(boltc_config_set_connection_timeout_ms(cfg, 2000, &err));
    OK(boltc_config_set_client_certificate_provider(cfg, cert_provider, &provider_answer,
                                                    free_provider, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    CHECK(provider_calls == 0 && provider_freed == 0); /* asked per connection, not before */
    boltc_error *e = NULL;
    provider_answer = 0; /* nothing on the first call: no certificate to use */
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_verify_connectivity(drv, &e));
    CHECK(strstr(boltc_error_message(e), "first call") != NULL);
    boltc_error_free(e);
    provider_answer = 1; /* a file that cannot be read, named; the password never shown */
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_verify_connectivity(drv, &e));
    CHECK(strstr(boltc_error_message(e), "/nonexistent/rot.pem") != NULL);
    CHECK(strstr(boltc_error_message(e), "pw-r9") == NULL);
    boltc_error_free(e);
    provider_answer = 2; /* the provider's own failure */
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_verify_connectivity(drv, &e));
    CHECK(strstr(boltc_error_message(e), "vault sealed") != NULL);
    boltc_error_free(e);
    CHECK(provider_calls == 3);
    boltc_driver_free(drv);
    CHECK(provider_freed == 1);
    /* Together with a fixed certificate: refused when the driver is made. */
    OK(boltc_config_new("bolt+ssc://127.0.0.1:1", &cfg, &err));
    OK(boltc_config_set_client_certificate(cfg, "c.pem", "k.pem", NULL, &err));
    OK(boltc_config_set_client_certificate_provider(cfg, cert_provider, &provider_answer, NULL, &err));
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, NULL));
    boltc_config_free(cfg);
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_client_certificate_sink_set(NULL, "c", "k", NULL, NULL));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: auth URI\n");
        return 2;
    }
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    boltc_auth *custom = NULL, *bob = NULL, *kerberos = NULL, *none = NULL;
    boltc_map *params = boltc_map_new();
    CHECK(params != NULL);
    OK(boltc_map_set_int(params, "k", 1, &err));
    OK(boltc_auth_custom("p", "c", "r", "acme", params, &custom, &err));
    boltc_map_free(params); /* the token keeps its own copy */
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_auth_custom("p", "c", NULL, NULL, NULL, &none, NULL));
    CHECK(none == NULL);
    OK(boltc_auth_none(&none, &err));
    OK(boltc_auth_basic("bob", "pw2", NULL, &bob, &err));
    OK(boltc_auth_kerberos("dGlja2V0", &kerberos, &err));

    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_config_set_auth(cfg, custom, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_auth_free(custom); /* the driver keeps its own copy */

    run_one(drv, NULL);

    boltc_session_config *sc = NULL;
    OK(boltc_session_config_new(&sc, &err));
    OK(boltc_session_config_set_auth(sc, bob, &err));
    run_one(drv, sc);
    boltc_session_config_free(sc);

    bool valid = false;
    OK(boltc_driver_verify_authentication(drv, NULL, &valid, &err));
    CHECK(valid);
    valid = true;
    OK(boltc_driver_verify_authentication(drv, kerberos, &valid, &err));
    CHECK(!valid);

    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    boltc_config_free(cfg);
    boltc_auth_free(bob);
    boltc_auth_free(kerberos);
    boltc_auth_free(none);
    boltc_auth_free(NULL);

    /* A client certificate whose files do not exist fails when the driver is made. */
    OK(boltc_config_new("bolt+ssc://127.0.0.1:1", &cfg, &err));
    OK(boltc_config_set_client_certificate(cfg, "/nonexistent/c.pem", "/nonexistent/k.pem", NULL,
                                           &err));
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, NULL));
    boltc_config_free(cfg);
    /* So does one with a key password (the password is copied; a non-UTF-8 one is refused at
     * the call). */
    OK(boltc_config_new("bolt+ssc://127.0.0.1:1", &cfg, &err));
    OK(boltc_config_set_client_certificate(cfg, "/nonexistent/c.pem", "/nonexistent/k.pem",
                                           "secret", &err));
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT,
                  boltc_config_set_client_certificate(cfg, "c.pem", "k.pem", "\xff\xfe", NULL));
    boltc_config_free(cfg);
    client_certificate_provider();
    printf("auth: all ok\n");
    return 0;
}
