/* Threads: while one thread is blocked in a call (the stub server sleeps 5 s before
 * answering), another gets BOLTC_STATUS_BUSY from the same session, then interrupts it; the
 * blocked call returns BOLTC_STATUS_INTERRUPTED well before the server would have answered.
 * Also checks the log callback. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>
#include "check.h"

static boltc_session *session;
static boltc_status blocked_status = BOLTC_STATUS_OK;
static int log_lines = 0;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_log(int32_t level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    pthread_mutex_lock(&log_lock);
    *(int *)user_data += 1;
    pthread_mutex_unlock(&log_lock);
}

static void *blocked(void *arg) {
    (void)arg;
    boltc_result *r = NULL;
    boltc_error *err = NULL;
    blocked_status = boltc_session_run_cstr(session, "RETURN slow", NULL, &r, &err);
    boltc_error_free(err);
    boltc_result_free(r);
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    OK(boltc_set_log_callback(on_log, BOLTC_LOG_DEBUG, &log_lines, &err));
    boltc_config *cfg = NULL;
    boltc_driver *drv = NULL;
    OK(boltc_config_new(argv[1], &cfg, &err));
    OK(boltc_driver_new(cfg, &drv, &err));
    boltc_config_free(cfg);
    OK(boltc_driver_session(drv, NULL, &session, &err));

    double start = now();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked, NULL) == 0);
    struct timespec pause = {1, 0}; /* let it connect and block (generous under valgrind) */
    nanosleep(&pause, NULL);
    boltc_result *r = NULL;
    EXPECT_STATUS(BOLTC_STATUS_BUSY, boltc_session_run_cstr(session, "RETURN 1", NULL, &r, NULL));
    OK(boltc_session_interrupt(session, &err));
    CHECK(pthread_join(t, NULL) == 0);
    double took = now() - start;
    if (blocked_status != BOLTC_STATUS_INTERRUPTED) {
        fprintf(stderr, "blocked call returned %s\n", boltc_status_name(blocked_status));
        return 1;
    }
    CHECK(took < 4.5);
    boltc_session_free(session);
    boltc_driver_free(drv);
    OK(boltc_set_log_callback(NULL, 0, NULL, &err));
    CHECK(log_lines > 0);
    printf("threads: ok (interrupted after %.2f s, %d log lines)\n", took, log_lines);
    return 0;
}
