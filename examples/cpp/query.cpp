// Connects, runs a parameterised query and prints the rows (C++17, boltc.hpp).
//   c++ -std=c++17 -I bindings/cpp/include query.cpp $(pkg-config --cflags --libs boltc)
#include <iostream>
#include "boltc.hpp"

int main(int argc, char **argv) {
    try {
        boltc::Driver driver(boltc::Config(argc > 1 ? argv[1] : "bolt://127.0.0.1:7687")
                                 .basic_auth(argc > 2 ? argv[2] : "falkordb", argc > 3 ? argv[3] : ""));
        auto session = driver.session();
        boltc::Params params;
        params.set("limit", 5);
        for (const auto &row : session.run("UNWIND range(1, $limit) AS n RETURN n, n * n AS square", params)) {
            std::cout << row[0].as_int() << '\t' << row[1].as_int() << '\n';
        }
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
