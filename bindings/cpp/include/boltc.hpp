// boltc.hpp - a header-only C++17 wrapper over boltc.h. It adds no ABI of its own.
//
// Handles are std::unique_ptr with the matching boltc_*_free deleter; failures throw
// boltc::Error, which owns the boltc_error object. Threads: as in boltc.h (a Driver may be
// shared; a Session and what it makes are used by one thread at a time).
//
//   boltc::Driver driver(boltc::Config("bolt://127.0.0.1:7687").basic_auth("u", "p"));
//   auto session = driver.session();
//   boltc::Params params;
//   params.set("limit", 5);
//   auto result = session.run("UNWIND range(1, $limit) AS n RETURN n", params);
//   for (const boltc::Row &row : result) { std::cout << row[0].as_int() << "\n"; }
//
// Not wrapped (use the C calls, with Driver::raw(), Session::raw(), Value::raw()):
// the record API (boltc_result_next/single, boltc_record_*: Result reads batches instead),
// boltc_batch_encode* (bulk transfer for the Python binding), the *_cstr variants, value
// constructors (boltc_value_new_*, boltc_map_set*, nested or temporal parameters), readers
// of temporal, spatial, bytes, vector, path and relationship values and of node/map
// contents, the admin calls (boltc_driver_list/kill_connection(s), server_info,
// pool_metrics, session/transaction connection_info), boltc_set_log_callback,
// boltc_error_cause, boltc_summary_metadata/protocol_version and boltc_version.
// Also wrapped: Driver::execute_query (QueryConfig, EagerResult), Summary::gql_statuses(),
// Summary::plan()/profile() (Plan: operator type, arguments, identifiers, children, stats),
// Auth (basic/bearer/kerberos/none) for Config, SessionConfig (user switching) and QueryConfig,
// Session::begin(mode, timeout, metadata) and Session::execute(mode, f, timeout, metadata).
// Examples, one per feature, in examples/cpp/ (built and run against Neo4j by tests/c_api.rs).
#ifndef BOLTC_HPP
#define BOLTC_HPP

#include <chrono>
#include <climits>
#include <initializer_list>
#include <new>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "boltc.h"

namespace boltc {

namespace detail {
template <typename T, void (*F)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { F(p); }
};
template <typename T, void (*F)(T *)>
using Handle = std::unique_ptr<T, Deleter<T, F>>;
}  // namespace detail

/// A failed call: the status and the error object (message, server code, GQL status, cause).
class Error : public std::runtime_error {
public:
    Error(boltc_status status, boltc_error *err)
        : std::runtime_error(err && boltc_error_message(err) ? boltc_error_message(err)
                                                             : boltc_status_name(status)),
          status_(status), err_(err, boltc_error_free) {}
    boltc_status status() const noexcept { return status_; }
    /// The server's code (e.g. "Neo.ClientError.Statement.SyntaxError"), if the error came
    /// from the server.
    std::optional<std::string_view> server_code() const noexcept { return opt(boltc_error_server_code(err_.get())); }
    /// The same as server_code(), under the official drivers' name.
    std::optional<std::string_view> code() const noexcept { return server_code(); }
    /// The GQLSTATUS (e.g. "42001"), if the server sent one (Bolt 5.7+) or boltc derived it.
    std::optional<std::string_view> gql_status() const noexcept { return opt(boltc_error_gql_status(err_.get())); }
    /// Whether running the work again may succeed (transient errors, lost connections).
    bool retryable() const noexcept { return boltc_error_is_retryable(err_.get()); }
    /// The classification: GQL's ("CLIENT_ERROR", "TRANSIENT_ERROR", "DATABASE_ERROR") when the
    /// server sent one, else the code's ("ClientError", ...); nullopt for client-side errors.
    std::optional<std::string_view> classification() const noexcept { return opt(boltc_error_classification(err_.get())); }
    /// The GQL status description, if any.
    std::optional<std::string_view> gql_description() const noexcept { return opt(boltc_error_gql_description(err_.get())); }
    /// The GQL status of the cause the server attached (the next link of the cause chain), if any.
    std::optional<std::string_view> cause_gql_status() const noexcept {
        const boltc_error *c = boltc_error_cause(err_.get());
        return c ? opt(boltc_error_gql_status(c)) : std::nullopt;
    }
    /// The underlying error object (owned by this exception).
    const boltc_error *raw() const noexcept { return err_.get(); }

private:
    static std::optional<std::string_view> opt(const char *s) {
        return s ? std::optional<std::string_view>(s) : std::nullopt;
    }
    boltc_status status_;
    // Shared, so the exception stays copyable as std::exception requires.
    std::shared_ptr<boltc_error> err_;
};

/// Calls a boltc function taking a trailing `boltc_error **` and throws on failure.
template <typename F, typename... A>
inline void check(F f, A &&...args) {
    boltc_error *err = nullptr;
    boltc_status st = f(std::forward<A>(args)..., &err);
    if (st != BOLTC_STATUS_OK) {
        throw Error(st, err);
    }
}

// --- Temporal and spatial values ---------------------------------------------------------------

/// A date: days since 1970-01-01 (proleptic Gregorian calendar).
struct Date {
    int64_t days = 0;
    /// The date of year/month/day (month 1-12, day 1-31; not validated beyond the arithmetic).
    static Date from_ymd(int64_t year, unsigned month, unsigned day) noexcept {
        // Days from the civil date, counting years from March so that February is last.
        const int64_t y = year - (month <= 2 ? 1 : 0);
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const int64_t yoe = y - era * 400;
        const int64_t mp = (static_cast<int64_t>(month) + 9) % 12;
        const int64_t doy = (153 * mp + 2) / 5 + static_cast<int64_t>(day) - 1;
        const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return Date{era * 146097 + doe - 719468};
    }
    /// Year, month (1-12) and day (1-31), the inverse of from_ymd.
    void ymd(int64_t &year, unsigned &month, unsigned &day) const noexcept {
        const int64_t z = days + 719468;
        const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        const int64_t doe = z - era * 146097;
        const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const int64_t mp = (5 * doy + 2) / 153;
        day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
        month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
        year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    }
    bool operator==(const Date &o) const noexcept { return days == o.days; }
    bool operator!=(const Date &o) const noexcept { return !(*this == o); }
};

/// A time of day with a UTC offset (Cypher `time()`).
struct Time {
    /// Nanoseconds since midnight, local time.
    int64_t nanoseconds = 0;
    /// Offset from UTC in seconds.
    int32_t utc_offset_seconds = 0;
    bool operator==(const Time &o) const noexcept {
        return nanoseconds == o.nanoseconds && utc_offset_seconds == o.utc_offset_seconds;
    }
    bool operator!=(const Time &o) const noexcept { return !(*this == o); }
};

/// A time of day without a zone (Cypher `localtime()`).
struct LocalTime {
    /// Nanoseconds since midnight.
    int64_t nanoseconds = 0;
    bool operator==(const LocalTime &o) const noexcept { return nanoseconds == o.nanoseconds; }
    bool operator!=(const LocalTime &o) const noexcept { return !(*this == o); }
};

/// An instant with a UTC offset or a zone name (Cypher `datetime()`).
struct DateTime {
    /// Seconds since the Unix epoch, UTC.
    int64_t seconds = 0;
    /// Nanoseconds within the second (0-999999999).
    int32_t nanoseconds = 0;
    /// Offset from UTC in seconds (ignored when zone_id is set: the server derives it).
    int32_t utc_offset_seconds = 0;
    /// The IANA zone (e.g. "Europe/Paris"), or std::nullopt for a fixed offset.
    std::optional<std::string> zone_id;
    /// The instant as a system_clock time point in nanoseconds (std::overflow_error beyond
    /// about +-292 years from 1970, where int64 nanoseconds end).
    std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds> time_point() const {
        constexpr int64_t limit = INT64_MAX / 1000000000 - 1;
        if (seconds > limit || seconds < -limit) throw std::overflow_error("boltc: DateTime out of time_point range");
        return std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>(
            std::chrono::nanoseconds(seconds * 1000000000 + nanoseconds));
    }
    bool operator==(const DateTime &o) const noexcept {
        return seconds == o.seconds && nanoseconds == o.nanoseconds &&
               (zone_id ? zone_id == o.zone_id : !o.zone_id && utc_offset_seconds == o.utc_offset_seconds);
    }
    bool operator!=(const DateTime &o) const noexcept { return !(*this == o); }
};

/// A wall-clock date and time without a zone (Cypher `localdatetime()`).
struct LocalDateTime {
    /// Seconds since 1970-01-01T00:00 on the wall clock.
    int64_t seconds = 0;
    /// Nanoseconds within the second (0-999999999).
    int32_t nanoseconds = 0;
    bool operator==(const LocalDateTime &o) const noexcept { return seconds == o.seconds && nanoseconds == o.nanoseconds; }
    bool operator!=(const LocalDateTime &o) const noexcept { return !(*this == o); }
};

/// A temporal amount (Cypher `duration()`): months, days, seconds and nanoseconds are kept
/// apart, as Bolt sends them.
struct Duration {
    int64_t months = 0;
    int64_t days = 0;
    int64_t seconds = 0;
    int32_t nanoseconds = 0;
    bool operator==(const Duration &o) const noexcept {
        return months == o.months && days == o.days && seconds == o.seconds && nanoseconds == o.nanoseconds;
    }
    bool operator!=(const Duration &o) const noexcept { return !(*this == o); }
};

/// A 2D or 3D point (`boltc_point`: srid, dimensions, x, y, z).
using Point = boltc_point;

class Value;
class Params;

// --- Graph values (borrowed views) ---------------------------------------------------------------

/// A map (borrowed view: valid while its record, batch or owner lives). Its entries are in the
/// order the server sent them (node properties as the server holds them) or, for Params, the
/// order of first set.
class Map {
public:
    explicit Map(const boltc_map *m) noexcept : m_(m) {}
    size_t size() const noexcept { return boltc_map_len(m_); }
    /// The value of `key`, or std::nullopt.
    inline std::optional<Value> get(std::string_view key) const;
    /// Entry `i` in the map's order (O(1)): its key and value.
    inline std::pair<std::string_view, Value> entry(size_t i) const;
    /// All entries in the map's order.
    inline std::vector<std::pair<std::string_view, Value>> entries() const;
    const boltc_map *raw() const noexcept { return m_; }

private:
    const boltc_map *m_;
};

/// A node (borrowed view).
class Node {
public:
    explicit Node(const boltc_node *n) noexcept : n_(n) {}
    /// The legacy numeric id (-1 if the server sent none).
    int64_t id() const noexcept { return boltc_node_id(n_); }
    std::string_view element_id() const {
        const char *p; size_t n;
        check(boltc_node_element_id, n_, &p, &n);
        return {p, n};
    }
    std::vector<std::string_view> labels() const {
        std::vector<std::string_view> out;
        for (size_t i = 0, n = boltc_node_labels_len(n_); i < n; i++) {
            const char *p; size_t l;
            check(boltc_node_label, n_, i, &p, &l);
            out.emplace_back(p, l);
        }
        return out;
    }
    Map properties() const noexcept { return Map(boltc_node_properties(n_)); }
    /// Property `key`, or std::nullopt.
    inline std::optional<Value> property(std::string_view key) const;
    const boltc_node *raw() const noexcept { return n_; }

private:
    const boltc_node *n_;
};

/// A relationship (borrowed view).
class Relationship {
public:
    explicit Relationship(const boltc_relationship *r) noexcept : r_(r) {}
    /// Legacy numeric ids (-1 if the server sent none).
    int64_t id() const noexcept { return boltc_relationship_id(r_, BOLTC_REL_ID); }
    int64_t start_id() const noexcept { return boltc_relationship_id(r_, BOLTC_REL_START_ID); }
    int64_t end_id() const noexcept { return boltc_relationship_id(r_, BOLTC_REL_END_ID); }
    std::string_view element_id() const { return eid(BOLTC_REL_ID); }
    std::string_view start_element_id() const { return eid(BOLTC_REL_START_ID); }
    std::string_view end_element_id() const { return eid(BOLTC_REL_END_ID); }
    std::string_view type() const {
        const char *p; size_t n;
        check(boltc_relationship_type, r_, &p, &n);
        return {p, n};
    }
    Map properties() const noexcept { return Map(boltc_relationship_properties(r_)); }
    /// Property `key`, or std::nullopt.
    inline std::optional<Value> property(std::string_view key) const;
    const boltc_relationship *raw() const noexcept { return r_; }

private:
    std::string_view eid(int32_t which) const {
        const char *p; size_t n;
        check(boltc_relationship_element_id, r_, which, &p, &n);
        return {p, n};
    }
    const boltc_relationship *r_;
};

/// A path (borrowed view): size() relationships between size() + 1 nodes.
class Path {
public:
    explicit Path(const boltc_path *p) noexcept : p_(p) {}
    /// The number of relationships.
    size_t size() const noexcept { return boltc_path_len(p_); }
    /// Node `i` (0 ..= size()); std::out_of_range beyond.
    Node node(size_t i) const {
        const boltc_node *n = boltc_path_node(p_, i);
        if (!n) throw std::out_of_range("boltc: path node out of range");
        return Node(n);
    }
    /// Relationship `i` (0 .. size()), in its own direction; std::out_of_range beyond.
    Relationship relationship(size_t i) const {
        const boltc_relationship *r = boltc_path_relationship(p_, i);
        if (!r) throw std::out_of_range("boltc: path relationship out of range");
        return Relationship(r);
    }
    const boltc_path *raw() const noexcept { return p_; }

private:
    const boltc_path *p_;
};

/// A borrowed value (valid while its record, batch or owner lives). The as_* accessors throw
/// boltc::Error with BOLTC_STATUS_CONVERSION for a value of another type.
class Value {
public:
    explicit Value(const boltc_value *v) : v_(v) {}
    boltc_value_type type() const noexcept { return boltc_value_get_type(v_); }
    bool is_null() const noexcept { return type() == BOLTC_VALUE_TYPE_NULL; }
    int64_t as_int() const { int64_t x; check(boltc_value_as_int, v_, &x); return x; }
    double as_float() const { double x; check(boltc_value_as_float, v_, &x); return x; }
    bool as_bool() const { bool x; check(boltc_value_as_bool, v_, &x); return x; }
    std::string_view as_string() const {
        const char *p; size_t n;
        check(boltc_value_as_string, v_, &p, &n);
        return {p, n};
    }
    std::vector<uint8_t> as_bytes() const {
        const uint8_t *p; size_t n;
        check(boltc_value_as_bytes, v_, &p, &n);
        return std::vector<uint8_t>(p, p + n);
    }
    std::optional<int64_t> try_int() const {
        int64_t x;
        return boltc_value_as_int(v_, &x, nullptr) == BOLTC_STATUS_OK ? std::optional<int64_t>(x) : std::nullopt;
    }
    /// The number of elements of a list.
    size_t size() const { size_t n; check(boltc_value_list_len, v_, &n); return n; }
    /// Element `i` of a list (BOLTC_STATUS_INVALID_ARGUMENT beyond the end).
    Value operator[](size_t i) const { const boltc_value *x; check(boltc_value_list_get, v_, i, &x); return Value(x); }
    Map as_map() const { const boltc_map *m; check(boltc_value_as_map, v_, &m); return Map(m); }
    /// A map entry (for MAP values), or std::nullopt.
    std::optional<Value> get(std::string_view key) const { return as_map().get(key); }
    Node as_node() const { const boltc_node *n; check(boltc_value_as_node, v_, &n); return Node(n); }
    Relationship as_relationship() const {
        const boltc_relationship *r; check(boltc_value_as_relationship, v_, &r); return Relationship(r);
    }
    Path as_path() const { const boltc_path *p; check(boltc_value_as_path, v_, &p); return Path(p); }
    Date as_date() const { boltc_date d; check(boltc_value_as_date, v_, &d); return Date{d.days}; }
    /// A TIME (a LOCAL_TIME reads as offset 0).
    Time as_time() const { boltc_time t; check(boltc_value_as_time, v_, &t); return Time{t.nanoseconds, t.tz_offset_seconds}; }
    LocalTime as_local_time() const { boltc_time t; check(boltc_value_as_local_time, v_, &t); return LocalTime{t.nanoseconds}; }
    /// A DATETIME or DATETIME_ZONE_ID.
    DateTime as_datetime() const {
        boltc_datetime d;
        check(boltc_value_as_datetime, v_, &d);
        DateTime out{d.seconds, d.nanoseconds, d.tz_offset_seconds, std::nullopt};
        if (d.tz_id) out.zone_id.emplace(d.tz_id, d.tz_id_len);
        return out;
    }
    LocalDateTime as_local_datetime() const {
        boltc_datetime d; check(boltc_value_as_local_datetime, v_, &d); return LocalDateTime{d.seconds, d.nanoseconds};
    }
    Duration as_duration() const {
        boltc_duration d; check(boltc_value_as_duration, v_, &d); return Duration{d.months, d.days, d.seconds, d.nanoseconds};
    }
    Point as_point() const { boltc_point p; check(boltc_value_as_point, v_, &p); return p; }
    const boltc_value *raw() const noexcept { return v_; }

private:
    const boltc_value *v_;
};

inline std::optional<Value> Map::get(std::string_view key) const {
    const boltc_value *x;
    check(boltc_map_get, m_, key.data(), key.size(), &x);
    return x ? std::optional<Value>(Value(x)) : std::nullopt;
}
inline std::pair<std::string_view, Value> Map::entry(size_t i) const {
    const char *k; size_t n; const boltc_value *x;
    check(boltc_map_entry, m_, i, &k, &n, &x);
    return {std::string_view(k, n), Value(x)};
}
inline std::vector<std::pair<std::string_view, Value>> Map::entries() const {
    std::vector<std::pair<std::string_view, Value>> out;
    for (size_t i = 0, n = size(); i < n; i++) out.push_back(entry(i));
    return out;
}
inline std::optional<Value> Node::property(std::string_view key) const { return properties().get(key); }
inline std::optional<Value> Relationship::property(std::string_view key) const { return properties().get(key); }

// --- Parameters ---------------------------------------------------------------------------------

namespace detail {
/// An integer as the int64 Bolt sends; std::out_of_range for an unsigned value above INT64_MAX
/// (never a silent wrap to a negative number).
template <typename T>
int64_t to_int64(T v) {
    if constexpr (std::is_unsigned_v<T>) {
        if (static_cast<uint64_t>(v) > static_cast<uint64_t>(INT64_MAX)) {
            throw std::out_of_range("boltc: unsigned parameter above INT64_MAX");
        }
    }
    return static_cast<int64_t>(v);
}
inline boltc_value *checked(boltc_value *v) {
    if (!v) throw std::bad_alloc();
    return v;
}
}  // namespace detail

/// One parameter value (owned): null, bool, any integer type, float, string, bytes, list, map
/// (Params), temporal or point. Built implicitly by Params::set and Param::list:
///
///   params.set("n", 5).set("big", size_t{7}).set("none", nullptr)
///         .set("tags", std::vector<std::string>{"a", "b"})
///         .set("mixed", boltc::Param::list({1, "two", nullptr}))
///         .set("props", boltc::Params().set("k", 1.5));
///
/// Integers of every signed and unsigned type convert exactly; an unsigned value above
/// INT64_MAX throws std::out_of_range. `char` is refused at compile time (ambiguous between a
/// number and a one-letter string): pass a std::string or an int.
class Param {
public:
    Param(std::nullptr_t) : v_(detail::checked(boltc_value_new_null())) {}
    Param(bool b) : v_(detail::checked(boltc_value_new_bool(b))) {}
    template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                               !std::is_same_v<T, char>, int> = 0>
    Param(T v) : v_(detail::checked(boltc_value_new_int(detail::to_int64(v)))) {}
    Param(char) = delete;
    template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
    Param(T v) : v_(detail::checked(boltc_value_new_float(static_cast<double>(v)))) {}
    Param(std::string_view s) { boltc_value *v; check(boltc_value_new_string, s.data(), s.size(), &v); v_.reset(v); }
    Param(const std::string &s) : Param(std::string_view(s)) {}
    Param(const char *s) : Param(std::string_view(s)) {}
    /// Bytes.
    Param(const std::vector<uint8_t> &b) { boltc_value *v; check(boltc_value_new_bytes, b.data(), b.size(), &v); v_.reset(v); }
    /// A list of values convertible to Param.
    template <typename T, std::enable_if_t<!std::is_same_v<T, uint8_t>, int> = 0>
    Param(const std::vector<T> &items) : v_(detail::checked(boltc_value_new_list())) {
        for (const auto &x : items) push(Param(x));
    }
    /// Null when empty, else the value.
    template <typename T>
    Param(const std::optional<T> &o) : Param(o ? Param(*o) : Param(nullptr)) {}
    /// A map (copied).
    inline Param(const Params &map);
    Param(const Date &d) : v_(detail::checked(boltc_value_new_date(boltc_date{d.days}))) {}
    Param(const Time &t) : v_(detail::checked(boltc_value_new_time(boltc_time{t.nanoseconds, t.utc_offset_seconds}))) {}
    Param(const LocalTime &t) : v_(detail::checked(boltc_value_new_local_time(boltc_time{t.nanoseconds, 0}))) {}
    Param(const DateTime &d) {
        boltc_datetime c{d.seconds, d.nanoseconds, d.utc_offset_seconds,
                         d.zone_id ? d.zone_id->data() : nullptr, d.zone_id ? d.zone_id->size() : 0};
        boltc_value *v;
        check(boltc_value_new_datetime, c, &v);
        v_.reset(v);
    }
    Param(const LocalDateTime &d)
        : v_(detail::checked(boltc_value_new_local_datetime(boltc_datetime{d.seconds, d.nanoseconds, 0, nullptr, 0}))) {}
    Param(const Duration &d)
        : v_(detail::checked(boltc_value_new_duration(boltc_duration{d.months, d.days, d.seconds, d.nanoseconds}))) {}
    Param(const Point &p) : v_(detail::checked(boltc_value_new_point(p))) {}

    Param(const Param &o) : v_(detail::checked(boltc_value_clone(o.v_.get()))) {}
    Param(Param &&) noexcept = default;
    Param &operator=(const Param &o) { v_.reset(detail::checked(boltc_value_clone(o.v_.get()))); return *this; }
    Param &operator=(Param &&) noexcept = default;

    /// A list of mixed values: Param::list({1, "two", nullptr, Param::list({})}).
    static Param list(std::initializer_list<Param> items) {
        Param out(ListTag{});
        for (const auto &x : items) out.push(x);
        return out;
    }
    /// The value, as the other Value readers see it.
    Value value() const noexcept { return Value(v_.get()); }
    const boltc_value *raw() const noexcept { return v_.get(); }

private:
    struct ListTag {};
    explicit Param(ListTag) : v_(detail::checked(boltc_value_new_list())) {}
    void push(const Param &x) { check(boltc_value_list_push, v_.get(), x.raw()); }
    detail::Handle<boltc_value, boltc_value_free> v_;
};

/// Query parameters: a map from names to Param values. Keys are any string (const char *,
/// std::string, std::string_view); they are sent in the order first set, and setting a key again
/// replaces its value in place.
class Params {
public:
    Params() : m_(boltc_map_new()) {
        if (!m_) throw std::bad_alloc();
    }
    Params(const Params &) = delete;
    Params &operator=(const Params &) = delete;
    Params(Params &&) noexcept = default;
    Params &operator=(Params &&) noexcept = default;
    /// Sets `key` to `value` (see Param for what converts).
    Params &set(std::string_view key, const Param &value) {
        check(boltc_map_set, m_.get(), key.data(), key.size(), value.raw());
        return *this;
    }
    Params &set_null(std::string_view key) { return set(key, nullptr); }
    size_t size() const noexcept { return boltc_map_len(m_.get()); }
    /// A view of the parameters as a map.
    Map view() const noexcept { return Map(m_.get()); }
    const boltc_map *raw() const noexcept { return m_.get(); }

private:
    detail::Handle<boltc_map, boltc_map_free> m_;
};

inline Param::Param(const Params &map) : v_(detail::checked(boltc_value_new_map(map.raw()))) {}

/// A record read alone (Result::single); owns its values.
class Record {
public:
    explicit Record(boltc_record *r) : r_(r) {}
    size_t size() const noexcept { return boltc_record_len(r_.get()); }
    /// Column `i`; std::out_of_range beyond the last.
    Value operator[](size_t i) const {
        const boltc_value *v = boltc_record_get(r_.get(), i);
        if (!v) throw std::out_of_range("boltc: column out of range");
        return Value(v);
    }
    /// Column `key`; std::out_of_range when there is no such column.
    Value operator[](std::string_view key) const {
        const boltc_value *v;
        check(boltc_record_get_by_key, r_.get(), key.data(), key.size(), &v);
        if (!v) throw std::out_of_range("boltc: no column " + std::string(key));
        return Value(v);
    }
    /// Column `key`, or std::nullopt.
    std::optional<Value> get(std::string_view key) const {
        const boltc_value *v;
        check(boltc_record_get_by_key, r_.get(), key.data(), key.size(), &v);
        return v ? std::optional<Value>(Value(v)) : std::nullopt;
    }
    const boltc_record *raw() const noexcept { return r_.get(); }

private:
    detail::Handle<boltc_record, boltc_record_free> r_;
};

/// One row of a batch.
class Row {
public:
    Row(const boltc_batch *b, size_t row) : b_(b), row_(row) {}
    Value operator[](size_t col) const {
        const boltc_value *v = boltc_batch_value(b_, row_, col);
        if (!v) throw std::out_of_range("boltc: column out of range");
        return Value(v);
    }
    size_t size() const noexcept { return boltc_batch_columns(b_); }

private:
    const boltc_batch *b_;
    size_t row_;
};

/// One GQL status object of a summary (strings borrowed from the summary: valid while it lives).
struct GqlStatus {
    std::string_view code;            ///< e.g. "00000", "03N90"
    std::string_view description;
    std::string_view severity;        ///< parsed: "WARNING", "INFORMATION" or "UNKNOWN"
    std::string_view classification;  ///< parsed: "PERFORMANCE", "HINT", ... or "UNKNOWN"
    std::optional<std::string_view> raw_severity;
    std::optional<std::string_view> raw_classification;
    bool is_notification;
    /// `offset`/`line`/`column` in the query, if the server sent a position.
    std::optional<Map> position;
    /// The diagnostic record (with the defaults added).
    Map diagnostic_record;
};

/// One operator of an EXPLAIN plan or a PROFILE profile (a view into its summary: valid while
/// the summary lives).
class Plan {
public:
    explicit Plan(const boltc_plan *p) : p_(p) {}
    std::string_view operator_type() const {
        const char *s; size_t n;
        check(boltc_plan_operator_type, p_, &s, &n);
        return std::string_view(s, n);
    }
    Map arguments() const noexcept { return Map(boltc_plan_arguments(p_)); }
    std::vector<std::string_view> identifiers() const {
        std::vector<std::string_view> out;
        for (size_t i = 0; i < boltc_plan_identifiers_len(p_); i++) {
            const char *s; size_t n;
            check(boltc_plan_identifier, p_, i, &s, &n);
            out.emplace_back(s, n);
        }
        return out;
    }
    std::vector<Plan> children() const {
        std::vector<Plan> out;
        for (size_t i = 0; i < boltc_plan_children_len(p_); i++) out.emplace_back(boltc_plan_child(p_, i));
        return out;
    }
    /// What the operator did (PROFILE only; `has_stats` is false in an EXPLAIN plan).
    boltc_profile_stats stats() const { boltc_profile_stats st; check(boltc_plan_stats, p_, &st); return st; }
    const boltc_plan *raw() const noexcept { return p_; }

private:
    const boltc_plan *p_;
};

/// Counters and metadata of a consumed result.
class Summary {
public:
    explicit Summary(boltc_summary *s) : s_(s) {}
    boltc_counters counters() const { boltc_counters c; check(boltc_summary_counters, s_.get(), &c); return c; }
    std::optional<std::string_view> database() const { return str(BOLTC_SUMMARY_DATABASE); }
    std::optional<std::string_view> server_agent() const { return str(BOLTC_SUMMARY_SERVER_AGENT); }
    /// The number of notifications the server sent.
    size_t notifications_size() const noexcept { return boltc_summary_notifications_len(s_.get()); }
    /// Notification `i` as a borrowed map (valid while this summary lives), or nullptr.
    const boltc_map *notification(size_t i) const noexcept { return boltc_summary_notification(s_.get(), i); }
    /// The GQL status objects (sent by Bolt 5.6+ servers, derived for older ones).
    std::vector<GqlStatus> gql_statuses() const {
        std::vector<GqlStatus> out;
        for (size_t i = 0; i < boltc_summary_gql_statuses_len(s_.get()); i++) {
            const boltc_map *pos = boltc_summary_gql_status_position(s_.get(), i);
            out.push_back(GqlStatus{
                *gql(i, BOLTC_GQL_STATUS_CODE), *gql(i, BOLTC_GQL_STATUS_DESCRIPTION),
                *gql(i, BOLTC_GQL_STATUS_SEVERITY), *gql(i, BOLTC_GQL_STATUS_CLASSIFICATION),
                gql(i, BOLTC_GQL_STATUS_RAW_SEVERITY), gql(i, BOLTC_GQL_STATUS_RAW_CLASSIFICATION),
                boltc_summary_gql_status_is_notification(s_.get(), i),
                pos ? std::optional<Map>(Map(pos)) : std::nullopt,
                Map(boltc_summary_gql_status_diagnostic_record(s_.get(), i))});
        }
        return out;
    }
    /// The EXPLAIN plan's root operator, if the query was explained.
    std::optional<Plan> plan() const {
        const boltc_plan *p = boltc_summary_plan(s_.get());
        return p ? std::optional<Plan>(Plan(p)) : std::nullopt;
    }
    /// The PROFILE profile's root operator, if the query was profiled.
    std::optional<Plan> profile() const {
        const boltc_plan *p = boltc_summary_profile(s_.get());
        return p ? std::optional<Plan>(Plan(p)) : std::nullopt;
    }

private:
    std::optional<std::string_view> gql(size_t i, int32_t which) const {
        const char *p; size_t n;
        check(boltc_summary_gql_status_string, s_.get(), i, which, &p, &n);
        return p ? std::optional<std::string_view>(std::string_view(p, n)) : std::nullopt;
    }
    std::optional<std::string_view> str(int32_t which) const {
        const char *p; size_t n;
        check(boltc_summary_string, s_.get(), which, &p, &n);
        return p ? std::optional<std::string_view>(std::string_view(p, n)) : std::nullopt;
    }
    detail::Handle<boltc_summary, boltc_summary_free> s_;
};

/// A result: iterate it with range-for (rows arrive in batches), or consume it.
class Result {
public:
    explicit Result(boltc_result *r, size_t batch_size = 1000) : r_(r), batch_size_(batch_size) {}

    std::vector<std::string> keys() {
        size_t n; check(boltc_result_keys_len, r_.get(), &n);
        std::vector<std::string> out;
        for (size_t i = 0; i < n; i++) {
            const char *p; size_t l;
            check(boltc_result_key, r_.get(), i, &p, &l);
            out.emplace_back(p, l);
        }
        return out;
    }

    class iterator {
    public:
        iterator() = default;
        explicit iterator(Result *r) : r_(r) { r_->fetch(); settle(); }
        Row operator*() const { return Row(r_->batch_.get(), r_->row_); }
        iterator &operator++() { r_->row_++; settle(); return *this; }
        bool operator!=(const iterator &o) const { return r_ != o.r_; }

    private:
        void settle() {
            while (r_ && r_->row_ >= boltc_batch_rows(r_->batch_.get())) {
                if (!boltc_batch_has_more(r_->batch_.get())) { r_ = nullptr; return; }
                r_->fetch();
            }
        }
        Result *r_ = nullptr;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

    Summary consume() { boltc_summary *s; check(boltc_result_consume, r_.get(), &s); return Summary(s); }

    /// The one record of the result. Throws boltc::Error with BOLTC_STATUS_RESULT_NOT_SINGLE
    /// when there are none or several (the rest is then discarded), and std::logic_error once
    /// iteration has started (rows already fetched in a batch would be skipped).
    Record single() {
        if (batch_) throw std::logic_error("boltc: Result::single after iterating");
        boltc_record *r;
        check(boltc_result_single, r_.get(), &r);
        return Record(r);
    }

private:
    void fetch() {
        // Free the last batch first: the next one decodes into its memory.
        batch_.reset();
        boltc_batch *b;
        check(boltc_result_next_batch, r_.get(), batch_size_, &b);
        batch_.reset(b);
        row_ = 0;
    }
    detail::Handle<boltc_result, boltc_result_free> r_;
    detail::Handle<boltc_batch, boltc_batch_free> batch_;
    size_t row_ = 0;
    size_t batch_size_;
};

/// An open transaction; rolled back on destruction unless committed.
class Transaction {
public:
    explicit Transaction(boltc_transaction *t) : t_(t) {}
    Result run(std::string_view query) { return run_raw(query, nullptr); }
    Result run(std::string_view query, const Params &params) { return run_raw(query, params.raw()); }
    void commit() { check(boltc_transaction_commit, t_.get()); }
    void rollback() { check(boltc_transaction_rollback, t_.get()); }

private:
    Result run_raw(std::string_view q, const boltc_map *p) {
        boltc_result *r;
        check(boltc_transaction_run, t_.get(), q.data(), q.size(), p, &r);
        return Result(r);
    }
    detail::Handle<boltc_transaction, boltc_transaction_free> t_;
};

// --- Transaction functions (Session::execute_read / execute_write) ---------------------------

/// The transaction a transaction function works in. It is borrowed from boltc for the duration
/// of the function (do not keep it); boltc commits it or rolls it back.
class ManagedTransaction {
public:
    explicit ManagedTransaction(boltc_transaction *t) noexcept : t_(t) {}
    Result run(std::string_view query) { return run_raw(query, nullptr); }
    Result run(std::string_view query, const Params &params) { return run_raw(query, params.raw()); }

private:
    Result run_raw(std::string_view q, const boltc_map *p) {
        boltc_result *r;
        check(boltc_transaction_run, t_, q.data(), q.size(), p, &r);
        return Result(r);
    }
    boltc_transaction *t_;
};

namespace detail {
/// Runs a C++ callable as a boltc_transaction_work: exceptions never cross into C. A
/// boltc::Error becomes its status (so retryable ones are retried); any other exception
/// becomes BOLTC_STATUS_CLIENT_ERROR (not retried) and is rethrown by execute().
template <typename F>
struct TxWork {
    using R = std::invoke_result_t<F &, ManagedTransaction &>;
    using Stored = std::conditional_t<std::is_void_v<R>, bool, R>;
    F &f;
    std::optional<Stored> value{};
    std::exception_ptr error{};

    static boltc_status call(boltc_transaction *t, void *user_data, boltc_error **) noexcept {
        auto *self = static_cast<TxWork *>(user_data);
        self->value.reset();
        self->error = nullptr;
        try {
            ManagedTransaction tx(t);
            if constexpr (std::is_void_v<R>) {
                self->f(tx);
                self->value.emplace(true);
            } else {
                self->value.emplace(self->f(tx));
            }
            return BOLTC_STATUS_OK;
        } catch (const Error &e) {
            self->error = std::current_exception();
            return e.status();
        } catch (...) {
            self->error = std::current_exception();
            return BOLTC_STATUS_CLIENT_ERROR;
        }
    }

    R execute(boltc_session *s, bool write) {
        return execute(s, write ? BOLTC_ACCESS_MODE_WRITE : BOLTC_ACCESS_MODE_READ, -1, nullptr);
    }

    R execute(boltc_session *s, int32_t mode, int64_t timeout_ms, const boltc_map *metadata) {
        boltc_error *err = nullptr;
        boltc_status st = boltc_session_execute(s, mode, timeout_ms, metadata, &TxWork::call, this, &err);
        if (st != BOLTC_STATUS_OK) {
            if (error) {  // the last attempt failed in f: rethrow f's own exception
                boltc_error_free(err);
                std::rethrow_exception(error);
            }
            throw Error(st, err);
        }
        if constexpr (!std::is_void_v<R>) return std::move(*value);
    }
};
}  // namespace detail

// -----------------------------------------------------------------------------------------------

/// A session (one thread at a time).
class Session {
public:
    explicit Session(boltc_session *s) : s_(s) {}
    Result run(std::string_view query, const Params &params) { return run_raw(query, params.raw()); }
    Result run(std::string_view query) { return run_raw(query, nullptr); }
    Transaction begin() { boltc_transaction *t; check(boltc_session_begin, s_.get(), int64_t{-1}, nullptr, &t); return Transaction(t); }
    /// A transaction in access mode `mode` (BOLTC_ACCESS_MODE_READ / _WRITE) instead of the
    /// session's, with a timeout (nullopt: the server's default) and metadata.
    Transaction begin(int32_t mode, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                      const Params *metadata = nullptr) {
        boltc_transaction *t;
        check(boltc_session_begin_in_mode, s_.get(), mode, timeout ? int64_t(timeout->count()) : int64_t{-1},
              metadata ? metadata->raw() : nullptr, &t);
        return Transaction(t);
    }
    void close() { check(boltc_session_close, s_.get()); }
    /// The bookmarks of the last committed transaction.
    std::vector<std::string> last_bookmarks() {
        boltc_value *v;
        check(boltc_session_last_bookmarks, s_.get(), &v);
        detail::Handle<boltc_value, boltc_value_free> owned(v);
        Value list(v);
        std::vector<std::string> out;
        for (size_t i = 0; i < list.size(); i++) out.emplace_back(list[i].as_string());
        return out;
    }
    /// The underlying handle, for C calls this wrapper does not cover.
    boltc_session *raw() const noexcept { return s_.get(); }
    /// Interrupts a blocking call from another thread (a socket read, a wait for the pool or
    /// for a routing table); the call throws boltc::Error with BOLTC_STATUS_INTERRUPTED.
    void interrupt() noexcept { boltc_session_interrupt(s_.get(), nullptr); }
    /// Bounds each later blocking call (routing, pool, connecting, RUN, each fetch of records,
    /// commit, ...); std::nullopt: no bound. A call that runs out of time throws boltc::Error
    /// with BOLTC_STATUS_TIMEOUT (see boltc_session_set_call_timeout_ms).
    void set_call_timeout(std::optional<std::chrono::milliseconds> timeout) {
        check(boltc_session_set_call_timeout_ms, s_.get(),
              timeout ? static_cast<int64_t>(timeout->count()) : int64_t{-1});
    }

    // Transaction functions: `f(ManagedTransaction &)` runs in a read (write) transaction that
    // boltc commits when f returns, and f runs again when it or the commit fails with a
    // retryable error (see boltc_session_execute_read). f MAY RUN MORE THAN ONCE. Returns what f
    // returned; throws f's exception or boltc::Error once retrying stops.
    template <typename F>
    auto execute_read(F &&f) { return detail::TxWork<F>{f}.execute(s_.get(), false); }
    template <typename F>
    auto execute_write(F &&f) { return detail::TxWork<F>{f}.execute(s_.get(), true); }
    /// As execute_read/execute_write with the access mode given (BOLTC_ACCESS_MODE_*), and each
    /// attempt's transaction carrying `timeout` (nullopt: the server's default) and `metadata`.
    template <typename F>
    auto execute(int32_t mode, F &&f, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                 const Params *metadata = nullptr) {
        return detail::TxWork<F>{f}.execute(s_.get(), mode, timeout ? int64_t(timeout->count()) : int64_t{-1},
                                            metadata ? metadata->raw() : nullptr);
    }

private:
    Result run_raw(std::string_view q, const boltc_map *p) {
        boltc_result *r;
        check(boltc_session_run, s_.get(), q.data(), q.size(), p, int64_t{-1}, nullptr, &r);
        return Result(r);
    }
    detail::Handle<boltc_session, boltc_session_free> s_;
};

namespace detail {
/// NUL-terminated pointers into `v` (valid while `v` lives and is unchanged).
inline std::vector<const char *> c_strs(const std::vector<std::string> &v) {
    std::vector<const char *> out;
    out.reserve(v.size());
    for (const auto &x : v) out.push_back(x.c_str());
    return out;
}
inline std::vector<std::string> strs(const char *const *p, size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    for (size_t i = 0; i < n; i++) out.emplace_back(p[i]);
    return out;
}
}  // namespace detail

/// A bookmark manager shared by sessions (SessionConfig::bookmark_manager) so that each
/// transaction starts from the bookmarks of the commits before it. Either the library's own
/// (constructed from initial bookmarks) or one the program implements with two functions.
/// The handle may be destroyed at any time: session configs and sessions keep their own
/// reference. Thread-safe.
class BookmarkManager {
public:
    /// Returns the bookmarks a transaction should start from.
    using GetFn = std::function<std::vector<std::string>()>;
    /// Told that a transaction that started from `previous` committed with `next`.
    using UpdateFn = std::function<void(const std::vector<std::string> &previous,
                                        const std::vector<std::string> &next)>;

    /// The library's manager, starting from `initial`; each commit replaces the bookmarks its
    /// transaction started from by the new one.
    explicit BookmarkManager(const std::vector<std::string> &initial = {}) {
        auto ptrs = detail::c_strs(initial);
        boltc_bookmark_manager *m;
        check(boltc_bookmark_manager_new, ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), &m);
        m_.reset(m);
    }

    /// A manager the program implements. `get` and `update` run on the threads using the
    /// sessions, possibly concurrently, and must not use those sessions. An exception they
    /// throw cannot cross the C library: it is swallowed (`get` then contributes no
    /// bookmarks). They are destroyed when the last session and handle using the manager go.
    BookmarkManager(GetFn get, UpdateFn update) {
        if (!get || !update) throw std::invalid_argument("boltc: BookmarkManager needs get and update");
        auto state = std::make_unique<Callbacks>(Callbacks{std::move(get), std::move(update)});
        boltc_bookmark_manager *m;
        check(boltc_bookmark_manager_new_callbacks, &on_get, &on_update, &on_release,
              static_cast<void *>(state.get()), &m);
        state.release();  // now owned by the manager; freed in on_release
        m_.reset(m);
    }

    const boltc_bookmark_manager *raw() const noexcept { return m_.get(); }

private:
    struct Callbacks {
        GetFn get;
        UpdateFn update;
    };
    static void on_get(void *user_data, boltc_bookmark_list *list) noexcept {
        try {
            for (const auto &b : static_cast<Callbacks *>(user_data)->get()) {
                check(boltc_bookmark_list_add, list, b.c_str());
            }
        } catch (...) {
        }
    }
    static void on_update(void *user_data, const char *const *previous, size_t previous_len,
                          const char *const *next, size_t next_len) noexcept {
        try {
            static_cast<Callbacks *>(user_data)->update(detail::strs(previous, previous_len),
                                                        detail::strs(next, next_len));
        } catch (...) {
        }
    }
    static void on_release(void *user_data) noexcept { delete static_cast<Callbacks *>(user_data); }

    detail::Handle<boltc_bookmark_manager, boltc_bookmark_manager_free> m_;
};

/// Credentials (basic, bearer, Kerberos, none or custom), for the driver, a session (user
/// switching, Bolt 5.1+) or one execute_query.
class Auth {
public:
    static Auth basic(const std::string &user, const std::string &password,
                      const std::optional<std::string> &realm = std::nullopt) {
        boltc_auth *a;
        check(boltc_auth_basic, user.c_str(), password.c_str(), realm ? realm->c_str() : nullptr, &a);
        return Auth(a);
    }
    static Auth bearer(const std::string &token) { boltc_auth *a; check(boltc_auth_bearer, token.c_str(), &a); return Auth(a); }
    static Auth kerberos(const std::string &base64_ticket) {
        boltc_auth *a; check(boltc_auth_kerberos, base64_ticket.c_str(), &a); return Auth(a);
    }
    static Auth none() { boltc_auth *a; check(boltc_auth_none, &a); return Auth(a); }
    const boltc_auth *raw() const noexcept { return a_.get(); }

private:
    explicit Auth(boltc_auth *a) : a_(a) {}
    detail::Handle<boltc_auth, boltc_auth_free> a_;
};

/// Per-session settings for Driver::session.
class SessionConfig {
public:
    SessionConfig() { boltc_session_config *c; check(boltc_session_config_new, &c); c_.reset(c); }
    /// The database; std::nullopt: the user's home database.
    SessionConfig &database(const std::optional<std::string> &db) {
        check(boltc_session_config_set_database, c_.get(), db ? db->c_str() : nullptr); return *this;
    }
    /// BOLTC_ACCESS_MODE_WRITE (the default) or BOLTC_ACCESS_MODE_READ.
    SessionConfig &access_mode(int32_t mode) { check(boltc_session_config_set_access_mode, c_.get(), mode); return *this; }
    /// Records per PULL (-1: all at once; 0: the driver's).
    SessionConfig &fetch_size(int64_t n) { check(boltc_session_config_set_fetch_size, c_.get(), n); return *this; }
    /// As Session::set_call_timeout, for every session made with this config.
    SessionConfig &call_timeout(std::optional<std::chrono::milliseconds> timeout) {
        check(boltc_session_config_set_call_timeout_ms, c_.get(),
              timeout ? static_cast<int64_t>(timeout->count()) : int64_t{-1});
        return *this;
    }
    /// Adds a bookmark to start from.
    SessionConfig &bookmark(const std::string &b) { check(boltc_session_config_add_bookmark, c_.get(), b.c_str()); return *this; }
    /// The user to impersonate (Bolt 4.4+); std::nullopt: none.
    SessionConfig &impersonated_user(const std::optional<std::string> &user) {
        check(boltc_session_config_set_impersonated_user, c_.get(), user ? user->c_str() : nullptr); return *this;
    }
    /// Shares `manager`'s bookmarks (the config keeps its own reference).
    SessionConfig &bookmark_manager(const BookmarkManager &manager) {
        check(boltc_session_config_set_bookmark_manager, c_.get(), manager.raw()); return *this;
    }
    /// Removes the bookmark manager.
    SessionConfig &no_bookmark_manager() {
        check(boltc_session_config_set_bookmark_manager, c_.get(), nullptr); return *this;
    }
    /// Runs the session's work as another user (Bolt 5.1+: LOGOFF/LOGON on a pooled connection).
    SessionConfig &auth(const Auth &auth) { check(boltc_session_config_set_auth, c_.get(), auth.raw()); return *this; }
    /// The minimum notification severity ("OFF", "WARNING", "INFORMATION"), overriding the
    /// driver's; std::nullopt: the driver's. Invalid values throw (BOLTC_STATUS_INVALID_ARGUMENT).
    SessionConfig &notifications_min_severity(const std::optional<std::string> &severity) {
        check(boltc_session_config_set_notifications_min_severity, c_.get(), severity ? severity->c_str() : nullptr);
        return *this;
    }
    /// The notification categories not to receive, overriding the driver's; std::nullopt:
    /// the driver's; an empty list disables none.
    SessionConfig &notifications_disabled_categories(const std::optional<std::vector<std::string>> &categories) {
        auto ptrs = categories ? detail::c_strs(*categories) : std::vector<const char *>();
        // An empty list is not NULL: keep a valid pointer for it.
        const char *none = nullptr;
        check(boltc_session_config_set_notifications_disabled_categories, c_.get(),
              categories ? (ptrs.empty() ? &none : ptrs.data()) : nullptr, ptrs.size());
        return *this;
    }
    const boltc_session_config *raw() const noexcept { return c_.get(); }

private:
    detail::Handle<boltc_session_config, boltc_session_config_free> c_;
};

/// Driver configuration.
class Config {
public:
    explicit Config(const std::string &uri) { boltc_config *c; check(boltc_config_new, uri.c_str(), &c); c_.reset(c); }
    Config &basic_auth(const std::string &user, const std::string &password) {
        check(boltc_config_set_basic_auth, c_.get(), user.c_str(), password.c_str()); return *this;
    }
    Config &bearer_auth(const std::string &token) { check(boltc_config_set_bearer_auth, c_.get(), token.c_str()); return *this; }
    Config &auth(const Auth &auth) { check(boltc_config_set_auth, c_.get(), auth.raw()); return *this; }
    Config &user_agent(const std::string &agent) { check(boltc_config_set_user_agent, c_.get(), agent.c_str()); return *this; }
    /// TLS on or off (bolt:// and neo4j:// only).
    Config &encrypted(bool on) { check(boltc_config_set_encrypted, c_.get(), on); return *this; }
    /// Turns Bolt 5.4+ telemetry off (on by default; only sent where the server asks for it).
    Config &telemetry_disabled(bool off) { check(boltc_config_set_telemetry_disabled, c_.get(), off); return *this; }
    /// BOLTC_TRUST_SYSTEM (the OS trust store), BOLTC_TRUST_MOZILLA_BUNDLED, BOLTC_TRUST_ALL,
    /// or BOLTC_TRUST_CUSTOM_CA with a PEM file.
    Config &trust(int32_t trust, const std::optional<std::string> &ca_pem_path = std::nullopt) {
        check(boltc_config_set_trust, c_.get(), trust, ca_pem_path ? ca_pem_path->c_str() : nullptr); return *this;
    }
    /// Mutual TLS: PEM files with the client certificate chain (leaf first) and its private key,
    /// read when the Driver is made (an Error with status BOLTC_STATUS_CONFIG names a file that
    /// cannot be read). `key_password` decrypts an encrypted PKCS#8 key.
    Config &client_certificate(const std::string &cert_chain_pem_path, const std::string &key_pem_path,
                               const std::optional<std::string> &key_password = std::nullopt) {
        check(boltc_config_set_client_certificate, c_.get(), cert_chain_pem_path.c_str(), key_pem_path.c_str(),
              key_password ? key_password->c_str() : nullptr);
        return *this;
    }
    Config &connection_timeout_ms(uint64_t ms) { check(boltc_config_set_connection_timeout_ms, c_.get(), ms); return *this; }
    /// How long a read may wait without a byte from the server (default 300000); 0: no bound.
    Config &read_timeout_ms(uint64_t ms) { check(boltc_config_set_read_timeout_ms, c_.get(), ms); return *this; }
    /// How long a write may wait while the server reads nothing (default 30000); 0: no bound.
    Config &write_timeout_ms(uint64_t ms) { check(boltc_config_set_write_timeout_ms, c_.get(), ms); return *this; }
    /// TCP keep-alive (on by default).
    Config &keepalive(bool on) { check(boltc_config_set_keepalive, c_.get(), on); return *this; }
    Config &acquisition_timeout_ms(uint64_t ms) { check(boltc_config_set_acquisition_timeout_ms, c_.get(), ms); return *this; }
    /// Negative: no liveness check (the default); 0: check every reuse.
    Config &liveness_check_timeout_ms(int64_t ms) { check(boltc_config_set_liveness_check_timeout_ms, c_.get(), ms); return *this; }
    /// Negative: no limit.
    Config &max_connection_lifetime_ms(int64_t ms) { check(boltc_config_set_max_connection_lifetime_ms, c_.get(), ms); return *this; }
    Config &max_pool_size(size_t n) { check(boltc_config_set_max_pool_size, c_.get(), n); return *this; }
    /// Records per PULL (-1: all at once).
    Config &fetch_size(int64_t n) { check(boltc_config_set_fetch_size, c_.get(), n); return *this; }
    /// Microseconds a waiting read polls the socket before sleeping (default 100; 0: never).
    Config &busy_poll_us(uint64_t us) { check(boltc_config_set_busy_poll_us, c_.get(), us); return *this; }
    /// The minimum severity of notifications the server sends ("OFF", "WARNING",
    /// "INFORMATION"; Bolt 5.2+); std::nullopt: the server's default. Invalid values throw.
    Config &notifications_min_severity(const std::optional<std::string> &severity) {
        check(boltc_config_set_notifications_min_severity, c_.get(), severity ? severity->c_str() : nullptr);
        return *this;
    }
    /// The notification categories the server should not send (e.g. "HINT"); std::nullopt:
    /// the server's default; an empty list disables none.
    Config &notifications_disabled_categories(const std::optional<std::vector<std::string>> &categories) {
        auto ptrs = categories ? detail::c_strs(*categories) : std::vector<const char *>();
        const char *none = nullptr;
        check(boltc_config_set_notifications_disabled_categories, c_.get(),
              categories ? (ptrs.empty() ? &none : ptrs.data()) : nullptr, ptrs.size());
        return *this;
    }
    const boltc_config *raw() const noexcept { return c_.get(); }

private:
    detail::Handle<boltc_config, boltc_config_free> c_;
};

/// How Driver::execute_query runs its query (copied by each call). Defaults: a writer, the
/// home database, the driver's own bookmark manager, no timeout or metadata.
class QueryConfig {
public:
    QueryConfig() { boltc_query_config *c; check(boltc_query_config_new, &c); c_.reset(c); }
    /// BOLTC_ACCESS_MODE_READ or BOLTC_ACCESS_MODE_WRITE.
    QueryConfig &routing(int32_t mode) { check(boltc_query_config_set_routing, c_.get(), mode); return *this; }
    QueryConfig &database(const std::optional<std::string> &db) {
        check(boltc_query_config_set_database, c_.get(), db ? db->c_str() : nullptr); return *this;
    }
    QueryConfig &impersonated_user(const std::optional<std::string> &user) {
        check(boltc_query_config_set_impersonated_user, c_.get(), user ? user->c_str() : nullptr); return *this;
    }
    QueryConfig &bookmark_manager(const BookmarkManager &manager) {
        check(boltc_query_config_set_bookmark_manager, c_.get(), manager.raw()); return *this;
    }
    /// No bookmark manager: no causal chaining with earlier queries.
    QueryConfig &no_bookmark_manager() { check(boltc_query_config_set_bookmark_manager, c_.get(), nullptr); return *this; }
    /// Credentials for this query only (Bolt 5.1+).
    QueryConfig &auth(const Auth &auth) { check(boltc_query_config_set_auth, c_.get(), auth.raw()); return *this; }
    /// The transaction timeout (nullopt: the server's default) and metadata.
    QueryConfig &transaction(std::optional<std::chrono::milliseconds> timeout, const Params *metadata = nullptr) {
        check(boltc_query_config_set_transaction, c_.get(), timeout ? int64_t(timeout->count()) : int64_t(-1),
              metadata ? metadata->raw() : nullptr);
        return *this;
    }
    const boltc_query_config *raw() const noexcept { return c_.get(); }

private:
    detail::Handle<boltc_query_config, boltc_query_config_free> c_;
};

/// All the records of Driver::execute_query, its keys and its summary.
class EagerResult {
public:
    explicit EagerResult(boltc_eager_result *r) : r_(r) {}
    std::vector<std::string_view> keys() const {
        std::vector<std::string_view> out;
        for (size_t i = 0; i < boltc_eager_result_keys_len(r_.get()); i++) {
            const char *s; size_t n;
            check(boltc_eager_result_key, r_.get(), i, &s, &n);
            out.emplace_back(s, n);
        }
        return out;
    }
    /// The number of records.
    size_t size() const noexcept { return boltc_eager_result_records_len(r_.get()); }
    /// The value in `column` of record `row` (valid while this result lives).
    Value at(size_t row, size_t column) const {
        const boltc_value *v = boltc_eager_result_value(r_.get(), row, column);
        if (!v) throw std::out_of_range("boltc: EagerResult::at out of range");
        return Value(v);
    }
    /// The summary (a copy, independent of this result).
    Summary summary() const { boltc_summary *s; check(boltc_eager_result_summary, r_.get(), &s); return Summary(s); }

private:
    detail::Handle<boltc_eager_result, boltc_eager_result_free> r_;
};

/// A driver (thread-safe; share it).
class Driver {
public:
    explicit Driver(const Config &config) { boltc_driver *d; check(boltc_driver_new, config.raw(), &d); d_.reset(d); }
    Session session() { boltc_session *s; check(boltc_driver_session, d_.get(), nullptr, &s); return Session(s); }
    Session session(const SessionConfig &config) {
        boltc_session *s; check(boltc_driver_session, d_.get(), config.raw(), &s); return Session(s);
    }
    void verify_connectivity() { check(boltc_driver_verify_connectivity, d_.get()); }
    /// Runs one query in a retried managed transaction and returns all of its records.
    EagerResult execute_query(std::string_view query, const Params *params = nullptr,
                              const QueryConfig *config = nullptr) {
        boltc_eager_result *r;
        check(boltc_driver_execute_query, d_.get(), query.data(), query.size(), params ? params->raw() : nullptr,
              config ? config->raw() : nullptr, &r);
        return EagerResult(r);
    }
    EagerResult execute_query(std::string_view query, const Params &params, const QueryConfig &config = QueryConfig()) {
        return execute_query(query, &params, &config);
    }
    /// Closes the pool (see boltc_driver_close).
    void close() { check(boltc_driver_close, d_.get()); }
    /// The underlying handle, for C calls this wrapper does not cover.
    const boltc_driver *raw() const noexcept { return d_.get(); }

private:
    detail::Handle<boltc_driver, boltc_driver_free> d_;
};

}  // namespace boltc

#endif
