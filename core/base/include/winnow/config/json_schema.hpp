// JSON Schema (draft-07) validation for configs, plugin manifests and plugin parameters.
// Wraps valijson so that no caller sees its types; every violation carries a JSON pointer that
// names the offending key itself (the extra key for additionalProperties, the missing key for
// required, the key whose value has the wrong type or range).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/util/result.hpp"

namespace winnow::config {

struct SchemaViolation {
  std::string pointer;  // JSON pointer into the document, e.g. "/steps/1/params/image_size"; "" = root
  std::string message;  // one line, e.g. "must be >= 8"
};

class CompiledSchema;  // valijson's compiled form, private to json_schema.cpp

// A compiled draft-07 schema. Immutable after construction; copies share the compiled form, and
// validate()/withDefaults() are safe to call from several threads at once.
class JsonSchema {
 public:
  // Fails (ErrorCode::Schema, message naming nameForMessages) when the schema itself is invalid
  // or uses a remote $ref.
  static Result<JsonSchema> compile(const nlohmann::json& schema, const std::string& nameForMessages);

  // Every violation found (not only the first), leaf-most first-level causes only: wrapper
  // messages such as "failed to validate property 'x'" are dropped when a more precise
  // violation below them exists.
  std::vector<SchemaViolation> validate(const nlohmann::json& document) const;

  // The document with every absent property that has a "default" filled in, recursively through
  // nested objects and array items (local "$ref"s are followed). Present values are never changed.
  nlohmann::json withDefaults(const nlohmann::json& document) const;

  const nlohmann::json& schemaJson() const;
  const std::string& name() const;

 private:
  JsonSchema() = default;
  std::shared_ptr<const CompiledSchema> compiled_;
};

// Reads and parses a JSON file. Errors are one line naming the file and, for syntax errors, the
// line and column ("a.json: invalid JSON at line 3, column 7: ...").
Result<nlohmann::json> readJsonFile(const std::filesystem::path& path);

// One line per violation: "<fileOrContext>: <pointer>: <message>" (pointer "/" for the root),
// joined with '\n'; "" when there are none.
std::string formatViolations(const std::string& fileOrContext,
                             const std::vector<SchemaViolation>& violations);

// "params/image_size: must be >= 8; params: unknown key 'foo'" — violations on one line, each
// pointer written without its leading '/' and prefixed with `prefix` (e.g. "params").
std::string joinViolationsOneLine(const std::string& prefix,
                                  const std::vector<SchemaViolation>& violations);

}  // namespace winnow::config
