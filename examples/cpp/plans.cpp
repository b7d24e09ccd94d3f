// Query plans and GQL status objects (C++17, boltc.hpp): a PROFILE tree with database hits,
// and the notifications a query earns as GQL status objects.
//   plans URI USER PASSWORD
#include <iostream>
#include "boltc.hpp"

static int64_t print(const boltc::Plan &op, int depth) {
    auto st = op.stats();
    std::cout << std::string(2 * depth, ' ') << op.operator_type() << " rows=" << st.rows << '\n';
    int64_t hits = st.db_hits;
    for (const auto &child : op.children()) hits += print(child, depth + 1);
    return hits;
}

int main(int argc, char **argv) {
    if (argc < 4) { std::cerr << "usage: plans URI USER PASSWORD\n"; return 2; }
    try {
        boltc::Driver driver(boltc::Config(argv[1]).basic_auth(argv[2], argv[3]));
        auto session = driver.session();
        session.run("UNWIND range(1, 10) AS i CREATE (:CppPlan {i: i})").consume();
        auto profiled = session.run("PROFILE MATCH (n:CppPlan) WHERE n.i > 5 RETURN n.i").consume();
        int64_t hits = print(*profiled.profile(), 0);
        std::cout << "db hits > 0: " << (hits > 0 ? "yes" : "no") << '\n';
        auto explained = session.run("EXPLAIN MATCH (a:CppPlan), (b:CppPlan) RETURN count(*)").consume();
        for (const auto &st : explained.gql_statuses())
            if (st.is_notification)
                std::cout << st.code << ' ' << st.classification << ' ' << st.severity << '\n';
        session.run("MATCH (n:CppPlan) DELETE n").consume();
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
