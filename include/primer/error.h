// Error policy (see docs/ARCHITECTURE.md):
//  - Expected failures (I/O, malformed files, bad requests, out of KV space) return Result<T>
//    whose Error message names the operation and the offending field:
//      "[gguf] tensor 'blk.0.attn_q.weight': offset 123 is past the end of the file (size 100)".
//  - Broken invariants (programmer errors) use PRIMER_CHECK, which aborts with file:line.
//  - Library code never exits the process; main() turns errors into exit codes.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace primer {

struct Error {
  std::string message;

  // Prefixes context: Error{"bad magic"}.wrap("[gguf] model.gguf") -> "[gguf] model.gguf: bad magic".
  Error wrap(const std::string& context) const { return Error{context + ": " + message}; }
};

// Result<T>: either a value or an Error. A small stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    if (ok()) { std::fprintf(stderr, "Result::error() called on a value\n"); std::abort(); }
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!ok()) {
      std::fprintf(stderr, "Result::value() called on an error: %s\n", std::get<1>(v_).message.c_str());
      std::abort();
    }
  }
  std::variant<T, Error> v_;
};

// Status: Result without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

inline Status ok_status() { return Status(); }

// Formats an Error in printf style: return make_error("[gguf] bad version %u", v);
template <class... Args>
Error make_error(const char* fmt, Args... args) {
  if constexpr (sizeof...(Args) == 0) {
    return Error{fmt};
  } else {
    int n = std::snprintf(nullptr, 0, fmt, args...);
    std::string s(n > 0 ? static_cast<size_t>(n) : 0, '\0');
    std::snprintf(s.data(), s.size() + 1, fmt, args...);
    return Error{std::move(s)};
  }
}

}  // namespace primer

// PRIMER_TRY(x): evaluates a Status/Result expression and returns its error from the caller.
#define PRIMER_TRY(expr)                          \
  do {                                            \
    auto primer_try_r_ = (expr);                  \
    if (!primer_try_r_.ok()) return primer_try_r_.error(); \
  } while (0)

#define PRIMER_CONCAT_INNER_(a, b) a##b
#define PRIMER_CONCAT_(a, b) PRIMER_CONCAT_INNER_(a, b)
// PRIMER_ASSIGN_OR_RETURN(auto x, expr): binds the value of a Result or returns its error.
#define PRIMER_ASSIGN_OR_RETURN(decl, expr)                               \
  auto PRIMER_CONCAT_(primer_r_, __LINE__) = (expr);                      \
  if (!PRIMER_CONCAT_(primer_r_, __LINE__).ok())                          \
    return PRIMER_CONCAT_(primer_r_, __LINE__).error();                   \
  decl = std::move(PRIMER_CONCAT_(primer_r_, __LINE__)).value()

// PRIMER_CHECK: invariants only, never reachable from user input.
#define PRIMER_CHECK(cond)                                                        \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)
