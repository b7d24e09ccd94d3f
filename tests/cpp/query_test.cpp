// The C++ wrapper's execute_query, GQL status objects and plans, against the stub scripts of
// tests/c/scripts: execute_query.script (argv[1]) and summary.script (argv[2]).
#include <boltc.hpp>

#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                             \
        }                                                                             \
    } while (0)

static void execute_query(const char *uri) {
    boltc::Driver driver(boltc::Config(uri).basic_auth("neo4j", "pass"));
    boltc::Params xs;
    xs.set("xs", std::vector<int64_t>{1, 2, 3});
    boltc::Params meta;
    meta.set("app", "c");
    boltc::QueryConfig config;
    config.routing(BOLTC_ACCESS_MODE_READ)
        .database(std::string("movies"))
        .transaction(std::chrono::milliseconds(5000), &meta);
    auto r = driver.execute_query("UNWIND $xs AS x RETURN x, x * 10 AS y", xs, config);
    CHECK(r.size() == 3 && r.keys().size() == 2 && r.keys()[1] == "y");
    CHECK(r.at(2, 1).as_int() == 30);
    bool threw = false;
    try {
        r.at(3, 0);
    } catch (const std::out_of_range &) {
        threw = true;
    }
    CHECK(threw);
    CHECK(r.summary().database() == std::optional<std::string_view>("movies"));

    auto w = driver.execute_query("CREATE (n) RETURN 1 AS one");
    CHECK(w.size() == 1 && w.summary().counters().nodes_created == 1);

    boltc::QueryConfig no_bookmarks;
    no_bookmarks.no_bookmark_manager();
    threw = false;
    try {
        driver.execute_query("RETURN oops", nullptr, &no_bookmarks);
    } catch (const boltc::Error &e) {
        threw = e.status() == BOLTC_STATUS_CLIENT_ERROR && !e.retryable() &&
                e.code() == std::optional<std::string_view>("Neo.ClientError.Statement.SyntaxError");
    }
    CHECK(threw);
}

static void summaries(const char *uri) {
    boltc::Driver driver(boltc::Config(uri).basic_auth("neo4j", "pass"));
    auto session = driver.session();
    auto explained = session.run("EXPLAIN MATCH (n) RETURN n").consume();
    auto statuses = explained.gql_statuses();
    CHECK(statuses.size() == 2);
    CHECK(statuses[0].code == "03N90" && statuses[0].severity == "INFORMATION");
    CHECK(statuses[0].classification == "PERFORMANCE" && statuses[0].is_notification);
    CHECK(statuses[0].position && statuses[0].position->get("line")->as_int() == 1);
    CHECK(statuses[1].classification == "UNKNOWN" &&
          statuses[1].raw_classification == std::optional<std::string_view>("SOMETHING_NEW"));
    CHECK(!statuses[1].raw_severity && !statuses[1].position);
    CHECK(!explained.profile());
    auto plan = explained.plan();
    CHECK(plan && plan->operator_type() == "ProduceResults@neo4j");
    CHECK(plan->identifiers().size() == 1 && plan->identifiers()[0] == "n");
    CHECK(plan->children().size() == 1 && plan->children()[0].operator_type() == "AllNodesScan@neo4j");
    CHECK(!plan->stats().has_stats);
    CHECK(plan->arguments().get("planner")->as_string() == "COST");

    auto profiled = session.run("PROFILE MATCH (n) RETURN n").consume();
    auto profile = profiled.profile();
    CHECK(profile && profile->stats().has_stats && profile->stats().page_cache_hits == 3);
    CHECK(profile->children()[0].stats().db_hits == 2);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: query_test EXECUTE_QUERY_URI SUMMARY_URI\n");
        return 2;
    }
    execute_query(argv[1]);
    summaries(argv[2]);
    std::printf("cpp query: all ok\n");
    return 0;
}
