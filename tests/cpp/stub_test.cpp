// Tests boltc.hpp's bookmark managers, session configs and notification filters against the
// stub server script tests/cpp/scripts/bookmarks.script (which checks what the driver sends).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include "boltc.hpp"

#define CHECK(c) do { if (!(c)) { std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); std::exit(1); } } while (0)

template <typename F>
static boltc_status status_of(F f) {
    try {
        f();
    } catch (const boltc::Error &e) {
        return e.status();
    }
    return BOLTC_STATUS_OK;
}

static int64_t one_tx(boltc::Session &session, const char *query, size_t *notifications = nullptr) {
    auto tx = session.begin();
    auto result = tx.run(query);
    int64_t got = -1;
    for (const auto &row : result) got = row[0].as_int();
    auto summary = result.consume();
    if (notifications) *notifications = summary.notifications_size();
    tx.commit();
    return got;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;

    // Invalid filters are refused where they are set.
    CHECK(status_of([] { boltc::Config("bolt://127.0.0.1:1").notifications_min_severity("LOUD"); }) ==
          BOLTC_STATUS_INVALID_ARGUMENT);
    CHECK(status_of([] { boltc::SessionConfig().notifications_min_severity("LOUD"); }) ==
          BOLTC_STATUS_INVALID_ARGUMENT);
    CHECK(status_of([] { boltc::SessionConfig().access_mode(7); }) == BOLTC_STATUS_INVALID_ARGUMENT);

    // The driver's filter goes with HELLO (the script checks it).
    boltc::Driver driver(boltc::Config(argv[1])
                             .basic_auth("neo4j", "pass")
                             .connection_timeout_ms(5000)
                             .max_pool_size(1)
                             .notifications_min_severity("warning")
                             .notifications_disabled_categories(std::vector<std::string>{"HINT"}));

    std::vector<std::string> last_bookmarks;
    {
        // The library's manager: the second session starts from the first one's commit.
        boltc::BookmarkManager manager({"bm:0"});
        boltc::SessionConfig config;
        config.bookmark_manager(manager).notifications_min_severity("OFF");
        {
            auto a = driver.session(config);
            CHECK(one_tx(a, "RETURN 1 AS n") == 1);
            CHECK(a.last_bookmarks() == std::vector<std::string>{"bm:1"});
        }
        boltc::SessionConfig config_b;
        config_b.bookmark_manager(manager)
            .notifications_disabled_categories(std::vector<std::string>{})
            .database(std::nullopt);
        auto b = driver.session(config_b);
        size_t notes = 0;
        CHECK(one_tx(b, "RETURN 2 AS n", &notes) == 2);
        CHECK(notes == 1);
        last_bookmarks = b.last_bookmarks();
    }
    CHECK(last_bookmarks == std::vector<std::string>{"bm:2"});

    // A manager implemented with two functions, outliving its handle through the config.
    std::mutex mu;
    std::vector<std::string> seen_previous, seen_next;
    int gets = 0;
    bool released = false;
    {
        struct Flag {
            bool *released;
            ~Flag() { *released = true; }
        };
        std::shared_ptr<Flag> flag(new Flag{&released});
        std::optional<boltc::SessionConfig> config(std::in_place);
        {
            boltc::BookmarkManager manager(
                [&mu, &gets, flag] {
                    std::lock_guard<std::mutex> g(mu);
                    gets++;
                    return std::vector<std::string>{"cb:1", "cb:2"};
                },
                [&mu, &seen_previous, &seen_next](const std::vector<std::string> &previous,
                                                  const std::vector<std::string> &next) {
                    std::lock_guard<std::mutex> g(mu);
                    seen_previous = previous;
                    seen_next = next;
                });
            config->bookmark_manager(manager);
        }
        flag.reset();
        CHECK(!released);  // the config still holds the manager
        {
            auto c = driver.session(*config);
            CHECK(one_tx(c, "RETURN 3 AS n") == 3);
        }
        CHECK(gets >= 1);
        CHECK((seen_previous == std::vector<std::string>{"cb:1", "cb:2"}));
        CHECK(seen_next == std::vector<std::string>{"bm:3"});
        config.reset();
        CHECK(released);  // the last reference went with the config and session
    }
    driver.close();
    std::cout << "cpp stub: all ok" << std::endl;
    return 0;
}
