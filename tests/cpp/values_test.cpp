// Tests boltc.hpp's parameters and typed values: every integer type sends its exact value
// (unsigned above INT64_MAX throws), lists, maps, null and temporal values build and read back,
// std::string / std::string_view keys, Result::single and the typed graph views; then (with a
// URI) the same values sent to FalkorDB and echoed back, graph values, and error fields.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include "boltc.hpp"

#define CHECK(c) do { if (!(c)) { std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); std::exit(1); } } while (0)

template <typename F>
static bool throws_out_of_range(F f) {
    try {
        f();
    } catch (const std::out_of_range &) {
        return true;
    }
    return false;
}

static int64_t int_of(const boltc::Params &p, std::string_view key) { return p.view().get(key)->as_int(); }

// Every integer type: no ambiguous overload, the exact value.
static void integers(boltc::Params &p) {
    p.set("int", -7)
        .set("long", -8L)
        .set("long_long", -9LL)
        .set("unsigned", 10u)
        .set("unsigned_long", 11ul)
        .set("unsigned_long_long", 12ull)
        .set("size_t", size_t{13})
        .set("int8", int8_t{-14})
        .set("uint16", uint16_t{65535})
        .set("short", short{-16})
        .set("int64_max", std::numeric_limits<int64_t>::max())
        .set("int64_min", std::numeric_limits<int64_t>::min())
        .set("u64_at_limit", static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    CHECK(int_of(p, "int") == -7 && int_of(p, "long") == -8 && int_of(p, "long_long") == -9);
    CHECK(int_of(p, "unsigned") == 10 && int_of(p, "unsigned_long") == 11 && int_of(p, "unsigned_long_long") == 12);
    CHECK(int_of(p, "size_t") == 13 && int_of(p, "int8") == -14 && int_of(p, "uint16") == 65535);
    CHECK(int_of(p, "short") == -16);
    CHECK(int_of(p, "int64_max") == std::numeric_limits<int64_t>::max());
    CHECK(int_of(p, "int64_min") == std::numeric_limits<int64_t>::min());
    CHECK(int_of(p, "u64_at_limit") == std::numeric_limits<int64_t>::max());
    // Above INT64_MAX: an exception, never a wrap to a negative number.
    boltc::Params q;
    CHECK(throws_out_of_range([&] { q.set("x", std::numeric_limits<uint64_t>::max()); }));
    CHECK(throws_out_of_range([&] { q.set("x", size_t{1} << 63); }));
    CHECK(throws_out_of_range([&] { q.set("x", std::vector<uint64_t>{1, uint64_t{1} << 63}); }));
    CHECK(q.size() == 0);
}

static void nested(boltc::Params &p) {
    std::string key = "std_string_key";
    std::string_view view_key = "view_key";
    boltc::Params inner;
    inner.set("k", 1.5).set("s", std::string("str"));
    p.set(key, "from std::string key")
        .set(view_key, std::string_view("from view key"))
        .set("none", nullptr)
        .set("flag", true)
        .set("ratio", 0.25f)
        .set("tags", std::vector<std::string>{"a", "b"})
        .set("mixed", boltc::Param::list({1, "two", nullptr, boltc::Param::list({}), inner}))
        .set("map", inner)
        .set("maybe", std::optional<int>())
        .set("bytes", std::vector<uint8_t>{0, 255});
    p.set_null("also_none");
    auto v = p.view();
    CHECK(v.get("std_string_key")->as_string() == "from std::string key");
    CHECK(v.get("view_key")->as_string() == "from view key");
    CHECK(v.get("none")->is_null() && v.get("also_none")->is_null() && v.get("maybe")->is_null());
    CHECK(v.get("flag")->as_bool() && v.get("ratio")->as_float() == 0.25);
    auto tags = *v.get("tags");
    CHECK(tags.size() == 2 && tags[1].as_string() == "b");
    auto mixed = *v.get("mixed");
    CHECK(mixed.size() == 5 && mixed[0].as_int() == 1 && mixed[1].as_string() == "two" && mixed[2].is_null());
    CHECK(mixed[3].size() == 0 && mixed[4].get("s")->as_string() == "str");
    CHECK(v.get("map")->get("k")->as_float() == 1.5 && !v.get("map")->get("missing"));
    CHECK((v.get("bytes")->as_bytes() == std::vector<uint8_t>{0, 255}));
}

/* Params and maps keep the order keys were first set in (setting one again replaces its
 * value in place), nested maps included. */
static void map_order() {
    boltc::Params p;
    boltc::Params inner;
    inner.set("y", 1).set("b", 2);
    p.set("z", 1).set("a", "first").set("m", inner).set("a", 2);
    auto entries = p.view().entries();
    CHECK(entries.size() == 3 && entries[0].first == "z" && entries[1].first == "a" && entries[2].first == "m");
    CHECK(entries[1].second.as_int() == 2 && p.view().entry(0).second.as_int() == 1);
    auto nested = entries[2].second.as_map();
    CHECK(nested.size() == 2 && nested.entry(0).first == "y" && nested.entry(1).first == "b");
}

static void temporal() {
    auto d = boltc::Date::from_ymd(2024, 2, 29);
    CHECK(d.days == 19782);
    int64_t y; unsigned m, day;
    d.ymd(y, m, day);
    CHECK(y == 2024 && m == 2 && day == 29);
    boltc::Date::from_ymd(1969, 12, 31).ymd(y, m, day);
    CHECK(boltc::Date::from_ymd(1969, 12, 31).days == -1 && y == 1969 && m == 12 && day == 31);
    CHECK(boltc::Param(d).value().as_date() == d);
    boltc::Time t{12 * 3600 * 1000000000LL + 1, 3600};
    CHECK(boltc::Param(t).value().as_time() == t);
    boltc::LocalTime lt{999999999};
    CHECK(boltc::Param(lt).value().as_local_time() == lt);
    boltc::DateTime dt{1700000000, 123456789, -18000, std::nullopt};
    CHECK(boltc::Param(dt).value().as_datetime() == dt);
    CHECK(dt.time_point().time_since_epoch().count() == 1700000000123456789LL);
    boltc::DateTime zoned{1700000000, 5, 0, std::string("Europe/Paris")};
    auto back = boltc::Param(zoned).value().as_datetime();
    CHECK(back.zone_id == std::optional<std::string>("Europe/Paris") && back.nanoseconds == 5);
    boltc::LocalDateTime ldt{-1, 1};
    CHECK(boltc::Param(ldt).value().as_local_datetime() == ldt);
    boltc::Duration dur{14, 3, 7200, 5};
    CHECK(boltc::Param(dur).value().as_duration() == dur);
    boltc::Point pt{4326, 2, 1.5, 2.5, 0};
    auto ptb = boltc::Param(pt).value().as_point();
    CHECK(ptb.srid == 4326 && ptb.x == 1.5 && ptb.y == 2.5);
    // A value of another type is a conversion error.
    try {
        boltc::Param(1).value().as_date();
        CHECK(false);
    } catch (const boltc::Error &e) {
        CHECK(e.status() == BOLTC_STATUS_CONVERSION);
    }
}

static void against_server(const char *uri) {
    boltc::Driver driver(boltc::Config(uri).basic_auth("falkordb", "").connection_timeout_ms(5000));
    auto session = driver.session();

    // Each value reaches the server as itself (the server computes with it).
    boltc::Params p;
    p.set("u", 40u).set("s", size_t{2}).set("ll", -1LL).set("none", nullptr)
        .set("list", boltc::Param::list({1, "x", nullptr}))
        .set("map", boltc::Params().set("a", 1).set("b", std::vector<int>{2, 3}));
    auto r = session.run(
        "RETURN $u + $s AS sum, $ll AS ll, $none IS NULL AS isnull, size($list) AS n, $list[1] AS x, "
        "$map.b[1] AS b1, $map AS map",
        p).single();
    CHECK(r.size() == 7 && r["sum"].as_int() == 42 && r["ll"].as_int() == -1 && r["isnull"].as_bool());
    CHECK(r["n"].as_int() == 3 && r["x"].as_string() == "x" && r["b1"].as_int() == 3);
    CHECK(r[6].get("a")->as_int() == 1 && !r.get("missing"));
    CHECK(throws_out_of_range([&] { (void)r["missing"]; }) && throws_out_of_range([&] { (void)r[7]; }));

    // single(): exactly one record, else an error.
    for (const char *q : {"UNWIND [] AS x RETURN x", "UNWIND [1, 2] AS x RETURN x"}) {
        try {
            session.run(q).single();
            CHECK(false);
        } catch (const boltc::Error &e) {
            CHECK(e.status() == BOLTC_STATUS_RESULT_NOT_SINGLE);
        }
    }
    // The session works on after a failed single().
    CHECK(session.run("RETURN 5").single()[0].as_int() == 5);
    {
        auto started = session.run("UNWIND [1, 2] AS x RETURN x");
        for (const auto &row : started) { (void)row; break; }
        bool logic = false;
        try { started.single(); } catch (const std::logic_error &) { logic = true; }
        CHECK(logic);
    }

    // Graph values.
    session.run("CREATE (:Person:Cpp {name: 'ann'})-[:KNOWS {since: 2020}]->(:Cpp {name: 'bob'})").consume();
    auto g = session.run("MATCH p = (a:Cpp {name: 'ann'})-[r:KNOWS]->(:Cpp) RETURN a, r, p").single();
    auto a = g["a"].as_node();
    auto labels = a.labels();
    CHECK(labels.size() == 2 && a.property("name")->as_string() == "ann" && !a.property("missing"));
    CHECK(a.properties().size() == 1 && a.properties().entry(0).first == "name");
    auto rel = g["r"].as_relationship();
    CHECK(rel.type() == "KNOWS" && rel.property("since")->as_int() == 2020);
    CHECK(rel.start_id() == a.id() && rel.end_id() != a.id());
    auto path = g["p"].as_path();
    CHECK(path.size() == 1 && path.node(0).id() == a.id() && path.node(1).property("name")->as_string() == "bob");
    CHECK(path.relationship(0).type() == "KNOWS");
    CHECK(throws_out_of_range([&] { path.node(2); }) && throws_out_of_range([&] { path.relationship(1); }));
    session.run("MATCH (n:Cpp) DETACH DELETE n").consume();

    // Errors carry the server's code, classification and GQL status.
    try {
        session.run("RETURN ((").consume();
        CHECK(false);
    } catch (const boltc::Error &e) {
        CHECK(e.code().has_value() && e.code() == e.server_code());
        // FalkorDB sends its own (non-Neo.*) code and no GQL status; Neo4j 5.26+ sends both.
        CHECK(!e.code()->empty());
        std::cout << "error: " << *e.code() << " gql " << e.gql_status().value_or("-") << " classification "
                  << e.classification().value_or("-") << std::endl;
    }
}

/// A client certificate's files are read when the Driver is made: missing ones (with or without
/// a key password) throw an Error with BOLTC_STATUS_CONFIG naming the file, never the password.
static void client_certificate() {
    for (auto password : {std::optional<std::string>(), std::optional<std::string>("pw-x7")}) {
        bool threw = false;
        try {
            boltc::Driver d(boltc::Config("bolt+ssc://127.0.0.1:1")
                                .client_certificate("/nonexistent/c.pem", "/nonexistent/k.pem", password));
        } catch (const boltc::Error &e) {
            threw = true;
            CHECK(e.status() == BOLTC_STATUS_CONFIG);
            CHECK(std::string(e.what()).find("/nonexistent/") != std::string::npos);
            CHECK(std::string(e.what()).find("pw-x7") == std::string::npos);
        }
        CHECK(threw);
    }
}

int main(int argc, char **argv) {
    boltc::Params p;
    integers(p);
    nested(p);
    map_order();
    temporal();
    client_certificate();
    if (argc >= 2) against_server(argv[1]);
    std::cout << "cpp values: all ok" << std::endl;
    return 0;
}
