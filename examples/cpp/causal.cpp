// Causal consistency (C++17, boltc.hpp): two sessions sharing a bookmark manager, so the second
// reads what the first wrote; and the bookmarks a session ended with.
//   causal URI USER PASSWORD
#include <iostream>
#include "boltc.hpp"

int main(int argc, char **argv) {
    if (argc < 4) { std::cerr << "usage: causal URI USER PASSWORD\n"; return 2; }
    try {
        boltc::Driver driver(boltc::Config(argv[1]).basic_auth(argv[2], argv[3]));
        boltc::BookmarkManager bookmarks;
        {
            auto writer = driver.session(boltc::SessionConfig().bookmark_manager(bookmarks));
            writer.execute_write([](boltc::ManagedTransaction &tx) {
                tx.run("MERGE (:CppCausal {name: 'Ann'})").consume();
            });
            std::cout << "writer bookmarks: " << writer.last_bookmarks().size() << '\n';
        }
        auto reader = driver.session(boltc::SessionConfig().bookmark_manager(bookmarks));
        int64_t n = reader.execute_read([](boltc::ManagedTransaction &tx) {
            return tx.run("MATCH (n:CppCausal {name: 'Ann'}) RETURN count(n)").single()[0].as_int();
        });
        std::cout << "reader sees the write: " << (n == 1 ? "yes" : "no") << '\n';
        reader.run("MATCH (n:CppCausal) DELETE n").consume();
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
