#include "winnow/util/result.hpp"

namespace winnow {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Invalid: return "invalid";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::Io: return "io";
    case ErrorCode::Decode: return "decode";
    case ErrorCode::Database: return "database";
    case ErrorCode::Plugin: return "plugin";
    case ErrorCode::Schema: return "schema";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Internal: return "internal";
  }
  return "unknown";
}

}  // namespace winnow
