// Errors are values inside the core: Result<T> carries either a value or an Error.
// Exceptions never cross a module or plugin boundary; code that calls throwing libraries catches
// at its own edge and returns an Error.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace winnow {

enum class ErrorCode {
  Invalid = 0,
  NotFound,
  InvalidArgument,
  Io,
  Decode,
  Database,
  Plugin,
  Schema,
  Cancelled,
  Unsupported,
  Internal,
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Invalid;
  std::string message;  // one line for the user; names the file/key and the reason
  std::string detail;   // optional extra for the log
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const Error& error() const { return std::get<Error>(state_); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> state_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Ok{}; }

inline Error makeError(ErrorCode code, std::string message, std::string detail = {}) {
  return Error{code, std::move(message), std::move(detail)};
}

}  // namespace winnow
