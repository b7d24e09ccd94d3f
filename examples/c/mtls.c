/* Mutual TLS: connects with a client certificate whose private key may be encrypted, and
 * runs RETURN 1.
 *
 *   cc -std=c11 mtls.c $(pkg-config --cflags --libs boltc) -o mtls
 *   ./mtls bolt://localhost:7687 USER PASSWORD CA.pem CLIENT.pem CLIENT.key [KEY_PASSWORD]
 *
 * With a `bolt://` URI, encryption is turned on and the server must have a certificate from
 * CA.pem; the key password (if any) decrypts an encrypted PKCS#8 or legacy OpenSSL key.
 */
#include <stdio.h>
#include "boltc.h"

static int fail(const char *what, boltc_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, err ? boltc_error_message(err) : "?");
    boltc_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: mtls URI USER PASSWORD CA CERT KEY [KEY_PASSWORD]\n");
        return 2;
    }
    boltc_error *err = NULL;
    boltc_config *cfg = NULL;
    boltc_driver *driver = NULL;
    if (boltc_config_new(argv[1], &cfg, &err) ||
        boltc_config_set_basic_auth(cfg, argv[2], argv[3], &err) ||
        boltc_config_set_encrypted(cfg, true, &err) ||
        boltc_config_set_trust(cfg, BOLTC_TRUST_CUSTOM_CA, argv[4], &err) ||
        boltc_config_set_client_certificate(cfg, argv[5], argv[6], argc == 8 ? argv[7] : NULL, &err) ||
        boltc_driver_new(cfg, &driver, &err)) {
        boltc_config_free(cfg);
        return fail("configure", err);
    }
    boltc_config_free(cfg);
    boltc_session *session = NULL;
    boltc_result *result = NULL;
    boltc_record *record = NULL;
    int64_t n = 0;
    int rc = 0;
    if (boltc_driver_session(driver, NULL, &session, &err) ||
        boltc_session_run_cstr(session, "RETURN 1 AS n", NULL, &result, &err) ||
        boltc_result_single(result, &record, &err) ||
        boltc_value_as_int(boltc_record_get(record, 0), &n, &err)) {
        rc = fail("query", err);
    } else {
        printf("%lld\n", (long long)n);
    }
    boltc_record_free(record);
    boltc_result_free(result);
    boltc_session_free(session);
    boltc_driver_close(driver, NULL);
    boltc_driver_free(driver);
    return rc;
}
