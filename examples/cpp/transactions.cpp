// Transactions (C++17, boltc.hpp): a transaction function retried on transient errors, an
// explicit READ transaction with a timeout and metadata, and a rollback that undoes a write.
//   transactions URI USER PASSWORD
#include <iostream>
#include "boltc.hpp"

int main(int argc, char **argv) {
    if (argc < 4) { std::cerr << "usage: transactions URI USER PASSWORD\n"; return 2; }
    try {
        boltc::Driver driver(boltc::Config(argv[1]).basic_auth(argv[2], argv[3]));
        auto session = driver.session();
        // May run more than once: keep it free of side effects outside the transaction.
        int64_t id = session.execute_write([](boltc::ManagedTransaction &tx) {
            return tx.run("CREATE (n:CppExample {created: datetime()}) RETURN id(n) AS id").single()[0].as_int();
        });
        boltc::Params meta;
        meta.set("app", "transactions-example");
        auto tx = session.begin(BOLTC_ACCESS_MODE_READ, std::chrono::seconds(5), &meta);
        boltc::Params p;
        p.set("id", id);
        int64_t found = tx.run("MATCH (n:CppExample) WHERE id(n) = $id RETURN count(n)", p).single()[0].as_int();
        tx.commit();
        std::cout << "created and found: " << found << '\n';

        auto undo = session.begin();
        undo.run("MATCH (n:CppExample) DETACH DELETE n").consume();
        undo.rollback();  // nothing deleted
        // A transaction function with the mode, a timeout and metadata on each attempt.
        int64_t left = session.execute(
            BOLTC_ACCESS_MODE_READ,
            [](boltc::ManagedTransaction &t) {
                return t.run("MATCH (n:CppExample) RETURN count(n)").single()[0].as_int();
            },
            std::chrono::seconds(5), &meta);
        std::cout << "still there after rollback: " << (left >= 1 ? "yes" : "no") << '\n';
        session.run("MATCH (n:CppExample) DETACH DELETE n").consume();
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
