/* Tiny assertion helpers shared by the C tests. */
#ifndef BOLTC_TEST_CHECK_H
#define BOLTC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boltc.h"

/* Fails the test when a call does not return the expected status, printing the error. */
#define EXPECT_STATUS(want, call)                                                         \
    do {                                                                                  \
        boltc_error *err_ = NULL;                                                         \
        boltc_status got_ = (call);                                                       \
        (void)err_;                                                                       \
        if (got_ != (want)) {                                                             \
            fprintf(stderr, "%s:%d: %s -> %s, want %s\n", __FILE__, __LINE__, #call,      \
                    boltc_status_name(got_), boltc_status_name(want));                    \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

/* Calls that must succeed: on failure print the error object and exit. */
#define OK(call_with_err)                                                                 \
    do {                                                                                  \
        boltc_error *err = NULL;                                                          \
        boltc_status st_ = (call_with_err);                                               \
        if (st_ != BOLTC_STATUS_OK) {                                                     \
            fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call_with_err,  \
                    boltc_status_name(st_), err ? boltc_error_message(err) : "(no error)"); \
            boltc_error_free(err);                                                        \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

static inline int str_eq(const char *p, size_t n, const char *want) {
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

#endif
