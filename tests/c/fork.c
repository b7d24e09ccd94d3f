/* fork(): a child that closes and frees the drivers it inherited leaves the parent's
 * connections and threads alone. The parent has a transaction open on the stub server when it
 * forks; the child closes and frees a bolt:// driver (the pool with that connection) and a
 * neo4j:// one (whose routing thread exists only in the parent), then execs another program,
 * as most forked children do (so valgrind checks the parent only). The parent's transaction
 * then runs another query and commits on the same connection. */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static void return_1(boltc_transaction *tx) {
    boltc_result *r = NULL;
    boltc_summary *s = NULL;
    OK(boltc_transaction_run_cstr(tx, "RETURN 1 AS n", NULL, &r, &err));
    OK(boltc_result_consume(r, &s, &err));
    boltc_summary_free(s);
    boltc_result_free(r);
}

static boltc_driver *driver_for(const char *uri) {
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(uri, &cfg, &err));
    OK(boltc_config_set_basic_auth(cfg, "neo4j", "secret", &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    return drv;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    boltc_driver *drv = driver_for(argv[1]);
    boltc_driver *routing = driver_for("neo4j://127.0.0.1:9");
    boltc_session *session = NULL;
    boltc_transaction *tx = NULL;
    OK(boltc_driver_session(drv, NULL, &session, &err));
    OK(boltc_session_begin(session, -1, NULL, &tx, &err));
    return_1(tx);

    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        boltc_status a = boltc_driver_close(drv, NULL);
        boltc_status b = boltc_driver_close(routing, NULL);
        boltc_driver_free(drv);
        boltc_driver_free(routing);
        if (a != BOLTC_STATUS_OK || b != BOLTC_STATUS_OK) {
            _exit(3);
        }
        execl("/bin/true", "true", (char *)NULL);
        _exit(4);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "the child failed closing its drivers: status %d\n", status);
        return 1;
    }

    return_1(tx);
    OK(boltc_transaction_commit(tx, &err));
    boltc_transaction_free(tx);
    boltc_session_free(session);
    OK(boltc_driver_close(drv, &err));
    OK(boltc_driver_close(routing, &err));
    boltc_driver_free(drv);
    boltc_driver_free(routing);
    printf("fork: all ok\n");
    return 0;
}
