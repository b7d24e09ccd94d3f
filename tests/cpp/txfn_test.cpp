// Tests Session::execute_write / execute_read of boltc.hpp against the stub server
// (tests/c/scripts/txfn.script): a deadlock is retried, a client error is not, and an exception
// of the function itself rolls back and comes back unchanged.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include "boltc.hpp"

#define CHECK(c) do { if (!(c)) { std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); std::exit(1); } } while (0)

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    boltc::Driver driver(boltc::Config(argv[1]).basic_auth("neo4j", "pass").connection_timeout_ms(5000).busy_poll_us(0));
    auto session = driver.session();

    int attempts = 0;
    int64_t n = session.execute_write([&](boltc::ManagedTransaction &tx) {
        attempts++;
        auto r = tx.run("RETURN 1 AS n");
        int64_t v = 0;
        for (const boltc::Row &row : r) v = row[0].as_int();
        return v;
    });
    CHECK(n == 1 && attempts == 2);

    attempts = 0;
    bool thrown = false;
    try {
        session.execute_read([&](boltc::ManagedTransaction &tx) {
            attempts++;
            auto r = tx.run("RETURN oops");
            for (const boltc::Row &row : r) (void)row;
        });
    } catch (const boltc::Error &e) {
        thrown = true;
        CHECK(e.status() == BOLTC_STATUS_CLIENT_ERROR);
        CHECK(e.server_code() && *e.server_code() == "Neo.ClientError.Statement.SyntaxError");
    }
    CHECK(thrown && attempts == 1);

    attempts = 0;
    thrown = false;
    try {
        session.execute_read([&](boltc::ManagedTransaction &) -> int {
            attempts++;
            throw std::logic_error("mine");
        });
    } catch (const std::logic_error &e) {
        thrown = std::string(e.what()) == "mine";
    }
    CHECK(thrown && attempts == 1);
    session.close();
    std::cout << "cpp txfn: all ok" << std::endl;
    return 0;
}
