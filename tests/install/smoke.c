/* Built by tests/install.rs against an installed boltc through pkg-config (shared: `boltc`,
 * static: `boltc-static`). Needs no server: makes a config and a driver (no connection yet),
 * prints the version and frees both. */
#include <boltc.h>
#include <stdio.h>

int main(void) {
    boltc_config *config = NULL;
    boltc_driver *driver = NULL;
    boltc_error *error = NULL;
    if (boltc_config_new("bolt://127.0.0.1:7687", &config, &error) != BOLTC_STATUS_OK) {
        fprintf(stderr, "config: %s\n", boltc_error_message(error));
        boltc_error_free(error);
        return 1;
    }
    boltc_status st = boltc_driver_new(config, &driver, &error);
    boltc_config_free(config);
    if (st != BOLTC_STATUS_OK) {
        fprintf(stderr, "driver: %s\n", boltc_error_message(error));
        boltc_error_free(error);
        return 1;
    }
    boltc_driver_free(driver);
    printf("boltc %s\n", boltc_version());
    return 0;
}
