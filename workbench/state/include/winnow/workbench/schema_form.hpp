// A parameter form generated from a JSON Schema (style rule 10: plugins describe, the host
// draws). One field per top-level property: booleans, integers, numbers, strings, enums; anything
// else (arrays, objects) is edited as JSON text. The form knows nothing about ImGui: the app draws
// each field by its type, and toParams() turns the edited values back into a params object that
// the caller validates against the same schema (core reports violations by key).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/util/result.hpp"

namespace winnow::workbench {

enum class FieldType { Invalid = 0, Boolean, Integer, Number, String, Enum, Json };

struct FormField {
  std::string key;
  FieldType type = FieldType::Invalid;
  std::string description;
  std::vector<std::string> options;  // Enum: the values, as JSON text of each (strings unquoted)
  std::optional<double> minimum, maximum;
  bool required = false;
  bool set = false;          // false: left out of the params (the schema default applies)
  bool boolValue = false;
  std::int64_t intValue = 0;
  double numberValue = 0.0;
  std::string text;          // String, Enum (the chosen option), Json
};

struct SchemaForm {
  std::vector<FormField> fields;  // in the schema's property order (nlohmann sorts keys)

  // Fields start at the schema's defaults (set = true where a default exists).
  static SchemaForm fromSchema(const nlohmann::json& schema);
  // Params from the set fields; InvalidArgument naming the key when a JSON field does not parse.
  Result<nlohmann::json> toParams() const;
};

}  // namespace winnow::workbench
