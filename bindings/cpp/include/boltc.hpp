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
#ifndef BOLTC_HPP
#define BOLTC_HPP

#include <chrono>
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
    /// The server's code, if the error came from the server.
    std::optional<std::string_view> server_code() const noexcept { return opt(boltc_error_server_code(err_.get())); }
    std::optional<std::string_view> gql_status() const noexcept { return opt(boltc_error_gql_status(err_.get())); }
    bool retryable() const noexcept { return boltc_error_is_retryable(err_.get()); }
    /// The server's classification (e.g. "CLIENT_ERROR"), if any.
    std::optional<std::string_view> classification() const noexcept { return opt(boltc_error_classification(err_.get())); }
    std::optional<std::string_view> gql_description() const noexcept { return opt(boltc_error_gql_description(err_.get())); }
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

/// A borrowed value (valid while its record, batch or owner lives).
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
    std::optional<int64_t> try_int() const {
        int64_t x;
        return boltc_value_as_int(v_, &x, nullptr) == BOLTC_STATUS_OK ? std::optional<int64_t>(x) : std::nullopt;
    }
    size_t size() const { size_t n; check(boltc_value_list_len, v_, &n); return n; }
    Value operator[](size_t i) const { const boltc_value *x; check(boltc_value_list_get, v_, i, &x); return Value(x); }
    /// A map entry (for MAP values), or std::nullopt.
    std::optional<Value> get(std::string_view key) const {
        const boltc_map *m; const boltc_value *x;
        check(boltc_value_as_map, v_, &m);
        check(boltc_map_get, m, key.data(), key.size(), &x);
        return x ? std::optional<Value>(Value(x)) : std::nullopt;
    }
    const boltc_node *as_node() const { const boltc_node *n; check(boltc_value_as_node, v_, &n); return n; }
    const boltc_value *raw() const noexcept { return v_; }

private:
    const boltc_value *v_;
};

/// Query parameters (a map builder).
class Params {
public:
    Params() : m_(boltc_map_new()) {}
    Params &set(const char *key, int64_t v) { check(boltc_map_set_int, m_.get(), key, v); return *this; }
    Params &set(const char *key, int v) { return set(key, static_cast<int64_t>(v)); }
    Params &set(const char *key, double v) { check(boltc_map_set_float, m_.get(), key, v); return *this; }
    Params &set(const char *key, bool v) { check(boltc_map_set_bool, m_.get(), key, v); return *this; }
    Params &set(const char *key, const std::string &v) { check(boltc_map_set_string, m_.get(), key, v.c_str()); return *this; }
    Params &set(const char *key, const char *v) { check(boltc_map_set_string, m_.get(), key, v); return *this; }
    const boltc_map *raw() const noexcept { return m_.get(); }

private:
    detail::Handle<boltc_map, boltc_map_free> m_;
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

private:
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
    Result run(std::string_view query, const Params *params = nullptr) {
        boltc_result *r;
        check(boltc_transaction_run, t_.get(), query.data(), query.size(), params ? params->raw() : nullptr, &r);
        return Result(r);
    }
    void commit() { check(boltc_transaction_commit, t_.get()); }
    void rollback() { check(boltc_transaction_rollback, t_.get()); }

private:
    detail::Handle<boltc_transaction, boltc_transaction_free> t_;
};

// --- Transaction functions (Session::execute_read / execute_write) ---------------------------

/// The transaction a transaction function works in. It is borrowed from boltc for the duration
/// of the function (do not keep it); boltc commits it or rolls it back.
class ManagedTransaction {
public:
    explicit ManagedTransaction(boltc_transaction *t) noexcept : t_(t) {}
    Result run(std::string_view query, const Params *params = nullptr) {
        boltc_result *r;
        check(boltc_transaction_run, t_, query.data(), query.size(), params ? params->raw() : nullptr, &r);
        return Result(r);
    }
    Result run(std::string_view query, const Params &params) { return run(query, &params); }

private:
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
        boltc_error *err = nullptr;
        boltc_status st = write ? boltc_session_execute_write(s, &TxWork::call, this, &err)
                                : boltc_session_execute_read(s, &TxWork::call, this, &err);
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

/// A driver (thread-safe; share it).
class Driver {
public:
    explicit Driver(const Config &config) { boltc_driver *d; check(boltc_driver_new, config.raw(), &d); d_.reset(d); }
    Session session() { boltc_session *s; check(boltc_driver_session, d_.get(), nullptr, &s); return Session(s); }
    Session session(const SessionConfig &config) {
        boltc_session *s; check(boltc_driver_session, d_.get(), config.raw(), &s); return Session(s);
    }
    void verify_connectivity() { check(boltc_driver_verify_connectivity, d_.get()); }
    /// Closes the pool (see boltc_driver_close).
    void close() { check(boltc_driver_close, d_.get()); }
    /// The underlying handle, for C calls this wrapper does not cover.
    const boltc_driver *raw() const noexcept { return d_.get(); }

private:
    detail::Handle<boltc_driver, boltc_driver_free> d_;
};

}  // namespace boltc

#endif
