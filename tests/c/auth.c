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
    printf("auth: all ok\n");
    return 0;
}
