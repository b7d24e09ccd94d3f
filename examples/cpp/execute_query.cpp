// Driver::execute_query (C++17, boltc.hpp): one call, all records, retried like a transaction
// function; routed to a reader with a timeout and metadata.
//   execute_query URI USER PASSWORD
#include <iostream>
#include "boltc.hpp"

int main(int argc, char **argv) {
    if (argc < 4) { std::cerr << "usage: execute_query URI USER PASSWORD\n"; return 2; }
    try {
        boltc::Driver driver(boltc::Config(argv[1]).basic_auth(argv[2], argv[3]));
        boltc::Params params;
        params.set("n", 3);
        boltc::Params meta;
        meta.set("app", "execute-query-example");
        boltc::QueryConfig config;
        config.routing(BOLTC_ACCESS_MODE_READ).transaction(std::chrono::seconds(10), &meta);
        auto result = driver.execute_query("UNWIND range(1, $n) AS i RETURN i, i * i AS square", params, config);
        for (auto key : result.keys()) std::cout << key << '\t';
        std::cout << '\n';
        for (size_t row = 0; row < result.size(); row++)
            std::cout << result.at(row, 0).as_int() << '\t' << result.at(row, 1).as_int() << '\n';
        std::cout << "database: " << result.summary().database().value_or("?") << '\n';
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
