// Errors (C++17, boltc.hpp): a server error as boltc::Error with its status, code,
// classification and GQL status; a session running as a given user (session auth, Bolt 5.1+).
//   errors URI USER PASSWORD
#include <iostream>
#include "boltc.hpp"

int main(int argc, char **argv) {
    if (argc < 4) { std::cerr << "usage: errors URI USER PASSWORD\n"; return 2; }
    boltc::Driver driver(boltc::Config(argv[1]).basic_auth(argv[2], argv[3]));
    try {
        driver.session().run("RETURN 1 +").consume();
    } catch (const boltc::Error &e) {
        std::cout << "status: " << boltc_status_name(e.status()) << '\n'
                  << "code: " << e.code().value_or("-") << '\n'
                  << "classification: " << e.classification().value_or("-") << '\n'
                  << "gql status: " << e.gql_status().value_or("-") << '\n'
                  << "retryable: " << (e.retryable() ? "yes" : "no") << '\n';
    }
    try {
        auto as_user = driver.session(boltc::SessionConfig().auth(boltc::Auth::basic(argv[2], argv[3])));
        auto rec = as_user.run("SHOW CURRENT USER YIELD user").single();
        std::cout << "session user: " << rec[0].as_string() << '\n';
    } catch (const boltc::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
