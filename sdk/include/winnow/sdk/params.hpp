// Reading a capability's parameters inside a plugin. The host validated them against the
// manifest's schema and filled in the defaults before create() is called, so a plugin reads typed
// values; a wrong type still throws std::invalid_argument("params/<key>: ..."), which guardCall
// turns into WINNOW_STATUS_INVALID_ARGUMENT. Uses nlohmann-json (header-only; find_package(winnow)
// finds it for out-of-tree plugins).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace winnow::sdk {

class Params {
 public:
  // params_json as create() receives it; NULL or "" is an empty object.
  explicit Params(const char* json) {
    document_ = json == nullptr || *json == '\0' ? nlohmann::json::object() : nlohmann::json::parse(json, nullptr, false);
    if (document_.is_discarded() || !document_.is_object()) throw std::invalid_argument("params: not a JSON object");
  }

  bool has(const std::string& key) const { return document_.contains(key) && !document_.at(key).is_null(); }

  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& value = document_.at(key);
    if (!value.is_boolean()) throw wrongType(key, "a boolean");
    return value.get<bool>();
  }

  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const auto& value = document_.at(key);
    if (!value.is_number()) throw wrongType(key, "a number");
    return value.get<double>();
  }

  std::int64_t integer(const std::string& key, std::int64_t fallback) const {
    if (!has(key)) return fallback;
    const auto& value = document_.at(key);
    if (!value.is_number_integer()) throw wrongType(key, "an integer");
    return value.get<std::int64_t>();
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& value = document_.at(key);
    if (!value.is_string()) throw wrongType(key, "a string");
    return value.get<std::string>();
  }

  // Arrays and objects, as JSON.
  const nlohmann::json& json() const { return document_; }

 private:
  static std::invalid_argument wrongType(const std::string& key, const char* expected) {
    return std::invalid_argument("params/" + key + ": expected " + expected);
  }
  nlohmann::json document_;
};

}  // namespace winnow::sdk
