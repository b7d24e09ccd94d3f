/* Against stub servers (see tests/c_api.rs): the callbacks a C program gives the driver.
 *
 * usage: callbacks MANAGER_URI BEARER_URI ROUTER_HOST:PORT DNS_URI
 *
 * 1. A custom auth manager (tests/c/scripts/callbacks_manager.script): get_auth is asked on
 *    every acquisition; its token logs on; a NULL token and a failure it reports fail the query
 *    with typed errors; a changed token re-authenticates the pooled connection, the server's
 *    Unauthorized reaches handle_security_error (with the rejected token), whose "handled"
 *    makes the error retryable; user_data is freed once, when config and driver are gone.
 * 2. The bearer manager (callbacks_bearer.script): the provider's token is cached until it
 *    expires, then asked for again; TokenExpired is handled (retryable).
 * 3. The resolver: neo4j://cluster.invalid:9999 (a name that does not resolve) reaches the
 *    router the resolver names, and the routing table's members go through it too; a
 *    resolver with a bolt:// URI is refused; an empty answer fails the query as
 *    SERVICE_UNAVAILABLE.
 * 4. The domain name resolver: bolt://dns-test.invalid:PORT connects where the callback says
 *    (127.0.0.1); bad IP text is refused by boltc_domain_name_sink_add; no address fails the
 *    query as SERVICE_UNAVAILABLE; user_data is freed once. Also: the size limits are checked
 *    when the driver is made. */
#include "check.h"

#include <time.h>

/* Runs RETURN 1 AS n; returns the status of the first failing call (error in *err_out). */
static boltc_status run_one(boltc_driver *drv, boltc_error **err_out) {
    boltc_session *s = NULL;
    boltc_result *r = NULL;
    boltc_record *rec = NULL;
    int64_t n = 0;
    OK(boltc_driver_session(drv, NULL, &s, &err));
    boltc_status st = boltc_session_run_cstr(s, "RETURN 1 AS n", NULL, &r, err_out);
    if (st == BOLTC_STATUS_OK) {
        st = boltc_result_single(r, &rec, err_out);
    }
    if (st == BOLTC_STATUS_OK) {
        OK(boltc_value_as_int(boltc_record_get(rec, 0), &n, &err));
        CHECK(n == 1);
    }
    boltc_record_free(rec);
    boltc_result_free(r);
    boltc_session_close(s, NULL);
    boltc_session_free(s);
    return st;
}

/* Expects run_one to fail with `want`, its message containing `text`; returns the error. */
static boltc_error *fails(boltc_driver *drv, boltc_status want, const char *text) {
    boltc_error *e = NULL;
    boltc_status st = run_one(drv, &e);
    if (st != want || e == NULL || strstr(boltc_error_message(e), text) == NULL) {
        fprintf(stderr, "got %s (%s), want %s with \"%s\"\n", boltc_status_name(st),
                e ? boltc_error_message(e) : "no error", boltc_status_name(want), text);
        exit(1);
    }
    return e;
}

enum mode { U1, NO_TOKEN, FAIL, U2 };

struct manager {
    enum mode mode;
    int get_auth_calls;
    int handled_calls;
    int frees;
    boltc_auth *u1, *u2;
};

static boltc_status get_auth(void *user_data, boltc_auth **auth_out, boltc_error **error_out) {
    struct manager *m = user_data;
    m->get_auth_calls++;
    switch (m->mode) {
    case U1:
        *auth_out = boltc_auth_clone(m->u1);
        return BOLTC_STATUS_OK;
    case NO_TOKEN:
        return BOLTC_STATUS_OK;
    case FAIL:
        *error_out = boltc_error_new(BOLTC_STATUS_CONFIG, "vault unreachable", false);
        return BOLTC_STATUS_CONFIG;
    case U2:
        *auth_out = boltc_auth_clone(m->u2);
        return BOLTC_STATUS_OK;
    }
    return BOLTC_STATUS_CLIENT_ERROR;
}

static bool handle_security_error(const boltc_auth *auth, const boltc_error *error,
                                  void *user_data) {
    struct manager *m = user_data;
    m->handled_calls++;
    CHECK(boltc_auth_equal(auth, m->u2));
    CHECK(!boltc_auth_equal(auth, m->u1));
    CHECK(strcmp(boltc_error_server_code(error), "Neo.ClientError.Security.Unauthorized") == 0);
    CHECK(boltc_error_status(error) == BOLTC_STATUS_AUTHENTICATION);
    return true;
}

static void free_manager(void *user_data) {
    struct manager *m = user_data;
    m->frees++;
}

static void custom_manager(const char *uri) {
    struct manager m = {U1, 0, 0, 0, NULL, NULL};
    OK(boltc_auth_basic("u1", "pw1", NULL, &m.u1, &err));
    OK(boltc_auth_basic("u2", "pw2", NULL, &m.u2, &err));
    CHECK(boltc_auth_clone(NULL) == NULL);
    CHECK(!boltc_auth_equal(NULL, m.u1));

    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT,
                  boltc_config_set_auth_manager(NULL, get_auth, NULL, &m, free_manager, NULL));
    OK(boltc_config_set_auth_manager(cfg, get_auth, handle_security_error, &m, free_manager,
                                     &err));
    OK(boltc_driver_new(cfg, &drv, &err));

    CHECK(run_one(drv, NULL) == BOLTC_STATUS_OK);
    CHECK(m.get_auth_calls >= 1);
    int before = m.get_auth_calls;
    CHECK(run_one(drv, NULL) == BOLTC_STATUS_OK); /* pooled: asked again, same token */
    CHECK(m.get_auth_calls > before);

    m.mode = NO_TOKEN;
    boltc_error_free(fails(drv, BOLTC_STATUS_AUTHENTICATION, "no token"));
    m.mode = FAIL;
    boltc_error_free(fails(drv, BOLTC_STATUS_CONFIG, "vault unreachable"));

    m.mode = U2;
    boltc_error *e = fails(drv, BOLTC_STATUS_AUTHENTICATION, "rejected");
    CHECK(m.handled_calls == 1);
    CHECK(boltc_error_is_retryable(e)); /* handled: a transaction function would retry */
    boltc_error_free(e);

    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    CHECK(m.frees == 0); /* the config still holds the manager */
    boltc_config_free(cfg);
    CHECK(m.frees == 1);
    boltc_auth_free(m.u1);
    boltc_auth_free(m.u2);

    /* Replacing a manager frees the old one's user_data; removing one (NULL) frees nothing. */
    struct manager a = {U1, 0, 0, 0, NULL, NULL};
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_auth_manager(cfg, get_auth, NULL, &a, free_manager, &err));
    OK(boltc_config_set_auth_manager(cfg, NULL, NULL, &a, free_manager, &err));
    CHECK(a.frees == 1);
    boltc_config_free(cfg);
    CHECK(a.frees == 1);
}

struct provider {
    int calls;
    int frees;
};

static boltc_status bearer(void *user_data, boltc_auth **auth_out, int64_t *expires_in_ms_out,
                           boltc_error **error_out) {
    struct provider *p = user_data;
    (void)error_out;
    CHECK(*expires_in_ms_out == -1);
    p->calls++;
    if (p->calls == 1) {
        *expires_in_ms_out = 300;
        return boltc_auth_bearer("t1", auth_out, NULL);
    }
    return boltc_auth_bearer("t2", auth_out, NULL);
}

static void free_provider(void *user_data) {
    struct provider *p = user_data;
    p->frees++;
}

static void bearer_manager(const char *uri) {
    struct provider p = {0, 0};
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_bearer_auth_manager(cfg, bearer, &p, free_provider, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    CHECK(p.frees == 0); /* the driver still holds it */

    CHECK(run_one(drv, NULL) == BOLTC_STATUS_OK);
    CHECK(run_one(drv, NULL) == BOLTC_STATUS_OK);
    CHECK(p.calls == 1); /* cached until it expires */
    struct timespec wait = {0, 400 * 1000 * 1000};
    nanosleep(&wait, NULL);
    boltc_error *e = fails(drv, BOLTC_STATUS_TOKEN_EXPIRED, "expired");
    CHECK(p.calls == 2);
    CHECK(boltc_error_is_retryable(e));
    boltc_error_free(e);

    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    CHECK(p.frees == 1);

    /* The basic manager takes the same provider shape. */
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth_manager(cfg, bearer, &p, free_provider, &err));
    boltc_config_free(cfg);
    CHECK(p.frees == 2);
}

struct resolver {
    const char *host;
    uint16_t port;
    char asked_host[64];
    uint16_t asked_port;
    int calls;
    int frees;
    int member_calls; /* calls for addresses other than the seed (routing-table members) */
};

static void resolve(const char *host, uint16_t port, boltc_resolver_sink *sink, void *user_data) {
    struct resolver *r = user_data;
    r->calls++;
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_resolver_add(sink, NULL, 1, NULL));
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_resolver_add(sink, "", 1, NULL));
    if (strcmp(host, "cluster.invalid") != 0) {
        /* A member of the routing table (they go through the resolver too): keep it. */
        r->member_calls++;
        OK(boltc_resolver_add(sink, host, port, &err));
        return;
    }
    snprintf(r->asked_host, sizeof r->asked_host, "%s", host);
    r->asked_port = port;
    if (r->host != NULL) {
        OK(boltc_resolver_add(sink, r->host, r->port, &err));
    }
}

static void free_resolver(void *user_data) {
    struct resolver *r = user_data;
    r->frees++;
}

static void resolver(const char *router) {
    char host[64];
    const char *colon = strrchr(router, ':');
    CHECK(colon != NULL && (size_t)(colon - router) < sizeof host);
    memcpy(host, router, (size_t)(colon - router));
    host[colon - router] = '\0';
    struct resolver r = {host, (uint16_t)atoi(colon + 1), "", 0, 0, 0, 0};

    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new("neo4j://cluster.invalid:9999", &cfg, &err));
    OK(boltc_config_set_resolver(cfg, resolve, &r, free_resolver, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    CHECK(run_one(drv, NULL) == BOLTC_STATUS_OK);
    CHECK(r.calls >= 1);
    CHECK(strcmp(r.asked_host, "cluster.invalid") == 0);
    CHECK(r.asked_port == 9999);
    CHECK(r.member_calls >= 1);
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    boltc_config_free(cfg);
    CHECK(r.frees == 1);

    /* An empty answer: the seed cannot be reached. */
    struct resolver none = {NULL, 0, "", 0, 0, 0, 0};
    OK(boltc_config_new("neo4j://cluster.invalid:9999", &cfg, &err));
    OK(boltc_config_set_acquisition_timeout_ms(cfg, 2000, &err));
    OK(boltc_config_set_resolver(cfg, resolve, &none, free_resolver, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_error_free(fails(drv, BOLTC_STATUS_SERVICE_UNAVAILABLE, ""));
    CHECK(none.calls >= 1);
    boltc_driver_free(drv);
    boltc_config_free(cfg);
    CHECK(none.frees == 1);

    /* A resolver is for routing drivers: with bolt:// it is refused, not ignored. */
    struct resolver direct = {host, 1, "", 0, 0, 0, 0};
    OK(boltc_config_new("bolt://cluster.invalid:9999", &cfg, &err));
    OK(boltc_config_set_resolver(cfg, resolve, &direct, free_resolver, &err));
    EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, NULL));
    OK(boltc_config_set_resolver(cfg, NULL, &direct, free_resolver, &err));
    CHECK(direct.frees == 1);
    boltc_config_free(cfg);
    CHECK(direct.frees == 1);
    CHECK(direct.calls == 0);
}

struct dns {
    const char *ip; /* NULL: no answer */
    int calls, frees;
};

static void lookup(const char *name, boltc_domain_name_sink *sink, void *user_data) {
    struct dns *d = user_data;
    d->calls++;
    CHECK(strcmp(name, "dns-test.invalid") == 0);
    EXPECT_STATUS(BOLTC_STATUS_INVALID_ARGUMENT, boltc_domain_name_sink_add(sink, "not-an-ip", NULL));
    EXPECT_STATUS(BOLTC_STATUS_NULL_ARGUMENT, boltc_domain_name_sink_add(sink, NULL, NULL));
    if (d->ip != NULL)
        OK(boltc_domain_name_sink_add(sink, d->ip, &err));
}

static void free_dns(void *user_data) { ((struct dns *)user_data)->frees++; }

static void domain_name_resolver(const char *uri) {
    struct dns none = {NULL, 0, 0}, local = {"127.0.0.1", 0, 0};
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_domain_name_resolver(cfg, lookup, &none, free_dns, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    boltc_error *e = NULL;
    EXPECT_STATUS(BOLTC_STATUS_SERVICE_UNAVAILABLE, run_one(drv, &e));
    boltc_error_free(e);
    boltc_driver_free(drv);
    CHECK(none.calls >= 1 && none.frees == 1);
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "pass", &err));
    OK(boltc_config_set_domain_name_resolver(cfg, lookup, &local, free_dns, &err));
    OK(boltc_config_set_routing_table_purge_delay_ms(cfg, 1000, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(run_one(drv, &err));
    OK(boltc_driver_close(drv, &err));
    boltc_driver_free(drv);
    CHECK(local.calls >= 1 && local.frees == 1);
    /* Size limits: checked when the driver is made. */
    size_t bad[][2] = {{0, 1000}, {1 << 20, 0}, {1 << 20, 70000}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        OK(boltc_config_new(uri, &cfg, &err));
        OK(boltc_config_set_max_message_size(cfg, bad[i][0], &err));
        OK(boltc_config_set_max_chunk_size(cfg, bad[i][1], &err));
        EXPECT_STATUS(BOLTC_STATUS_CONFIG, boltc_driver_new(cfg, &drv, NULL));
        boltc_config_free(cfg);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: callbacks MANAGER_URI BEARER_URI ROUTER_HOST:PORT DNS_URI\n");
        return 2;
    }
    custom_manager(argv[1]);
    bearer_manager(argv[2]);
    resolver(argv[3]);
    domain_name_resolver(argv[4]);
    printf("callbacks: all ok\n");
    return 0;
}
