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
#ifndef BOLTC_HPP
#define BOLTC_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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

/// A session (one thread at a time).
class Session {
public:
    explicit Session(boltc_session *s) : s_(s) {}
    Result run(std::string_view query, const Params &params) { return run_raw(query, params.raw()); }
    Result run(std::string_view query) { return run_raw(query, nullptr); }
    Transaction begin() { boltc_transaction *t; check(boltc_session_begin, s_.get(), int64_t{-1}, nullptr, &t); return Transaction(t); }
    void close() { check(boltc_session_close, s_.get()); }
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

private:
    Result run_raw(std::string_view q, const boltc_map *p) {
        boltc_result *r;
        check(boltc_session_run, s_.get(), q.data(), q.size(), p, int64_t{-1}, nullptr, &r);
        return Result(r);
    }
    detail::Handle<boltc_session, boltc_session_free> s_;
};

/// Driver configuration.
class Config {
public:
    explicit Config(const std::string &uri) { boltc_config *c; check(boltc_config_new, uri.c_str(), &c); c_.reset(c); }
    Config &basic_auth(const std::string &user, const std::string &password) {
        check(boltc_config_set_basic_auth, c_.get(), user.c_str(), password.c_str()); return *this;
    }
    Config &connection_timeout_ms(uint64_t ms) { check(boltc_config_set_connection_timeout_ms, c_.get(), ms); return *this; }
    const boltc_config *raw() const noexcept { return c_.get(); }

private:
    detail::Handle<boltc_config, boltc_config_free> c_;
};

/// A driver (thread-safe; share it).
class Driver {
public:
    explicit Driver(const Config &config) { boltc_driver *d; check(boltc_driver_new, config.raw(), &d); d_.reset(d); }
    Session session() { boltc_session *s; check(boltc_driver_session, d_.get(), nullptr, &s); return Session(s); }
    void verify_connectivity() { check(boltc_driver_verify_connectivity, d_.get()); }

private:
    detail::Handle<boltc_driver, boltc_driver_free> d_;
};

}  // namespace boltc

#endif
