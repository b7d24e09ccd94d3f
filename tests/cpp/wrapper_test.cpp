// Tests boltc.hpp against FalkorDB: range-for over results, params, transactions, errors.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include "boltc.hpp"

#define CHECK(c) do { if (!(c)) { std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); std::exit(1); } } while (0)

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    boltc::Driver driver(boltc::Config(argv[1]).basic_auth("falkordb", "").connection_timeout_ms(5000));
    driver.verify_connectivity();
    auto session = driver.session();

    boltc::Params params;
    params.set("n", 2500).set("tag", "x");
    auto result = session.run("UNWIND range(1, $n) AS i RETURN i, $tag AS tag", params);
    CHECK(result.keys().size() == 2 && result.keys()[1] == "tag");
    int64_t sum = 0, rows = 0;
    for (const boltc::Row &row : result) {
        sum += row[0].as_int();
        CHECK(row[1].as_string() == "x");
        rows++;
    }
    CHECK(rows == 2500 && sum == 2500LL * 2501 / 2);

    // A generous call timeout changes nothing for calls that finish in time.
    session.set_call_timeout(std::chrono::seconds(30));
    auto tx = session.begin();
    int64_t got = 0;
    for (const auto &row : tx.run("RETURN 6 * 7 AS x")) got = row[0].as_int();
    tx.commit();
    CHECK(got == 42);
    session.set_call_timeout(std::nullopt);

    bool thrown = false;
    try {
        session.run("RETURN ((");
    } catch (const boltc::Error &e) {
        thrown = true;
        CHECK(e.status() != BOLTC_STATUS_OK && e.server_code().has_value());
    }
    CHECK(thrown);

    try {
        auto r = session.run("RETURN 'a' AS s");
        for (const auto &row : r) (void)row[0].as_int();
        CHECK(false);
    } catch (const boltc::Error &e) {
        CHECK(e.status() == BOLTC_STATUS_CONVERSION);
    }
    std::cout << "cpp wrapper: all ok" << std::endl;
    return 0;
}
