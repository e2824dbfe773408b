#include "winnow/config/json_schema.hpp"

// valijson aborts the process on a bad schema unless exceptions are enabled.
#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif
// GCC 12 reports false -Wmaybe-uninitialized inside std::regex (used by valijson) under ASan;
// clang (the fuzz build) has no such warning group.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace winnow::config {

class CompiledSchema {
 public:
  nlohmann::json json;
  std::string name;
  valijson::Schema schema;
};

namespace {

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string escapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// valijson context: {"<root>", "[steps]", "[1]", ...}.
std::vector<std::string> contextTokens(const std::vector<std::string>& context) {
  std::vector<std::string> tokens;
  for (const std::string& part : context) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      tokens.push_back(part.substr(1, part.size() - 2));
    }
  }
  return tokens;
}

std::string toPointer(const std::vector<std::string>& tokens) {
  std::string pointer;
  for (const std::string& token : tokens) {
    pointer += "/" + escapePointerToken(token);
  }
  return pointer;
}

const nlohmann::json* resolveLocalRef(const nlohmann::json& root, const nlohmann::json* node) {
  for (int depth = 0; node != nullptr && depth < 16; ++depth) {
    if (!node->is_object()) {
      return node;
    }
    auto ref = node->find("$ref");
    const std::string* refText = ref == node->end() ? nullptr : ref->get_ptr<const std::string*>();
    if (refText == nullptr) {
      return node;
    }
    const std::string target = *refText;
    if (target.rfind('#', 0) != 0) {
      return nullptr;
    }
    try {
      node = &root.at(nlohmann::json::json_pointer(target.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return node;
}

// Best effort: the subschema that governs the value at `tokens`, or nullptr when it cannot be
// told without running the validator (patternProperties, combinators).
const nlohmann::json* schemaAt(const nlohmann::json& root, const std::vector<std::string>& tokens) {
  const nlohmann::json* node = resolveLocalRef(root, &root);
  for (const std::string& token : tokens) {
    if (node == nullptr || !node->is_object()) {
      return nullptr;
    }
    const nlohmann::json* next = nullptr;
    auto props = node->find("properties");
    if (props != node->end() && props->is_object() && props->contains(token)) {
      next = &(*props)[token];
    } else if (auto items = node->find("items"); items != node->end() && items->is_object()) {
      next = &*items;
    } else if (auto extra = node->find("additionalProperties");
               extra != node->end() && extra->is_object()) {
      next = &*extra;
    }
    node = resolveLocalRef(root, next);
  }
  return node;
}

std::string jsonTypeName(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    return "integer";
  }
  if (value.is_number()) {
    return "number";
  }
  return value.type_name();
}

std::string trimNumber(const std::string& text) {
  std::string out = text;
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') {
      out.pop_back();
    }
    if (!out.empty() && out.back() == '.') {
      out.pop_back();
    }
  }
  return out;
}

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// Messages valijson emits at a parent when a child failed; they add nothing once the child's own
// violation is reported.
bool isWrapperMessage(const std::string& message) {
  return startsWith(message, "Failed to validate against schema associated with property") ||
         startsWith(message, "Failed to validate item #") ||
         startsWith(message, "Failed to validate against additional properties schema") ||
         startsWith(message, "Failed to validate against child schema") ||
         startsWith(message, "Failed to validate against schema associated with pattern") ||
         startsWith(message, "Failed to validate against dependent schema");
}

std::string quotedBetween(const std::string& message) {
  const auto first = message.find('\'');
  const auto last = message.rfind('\'');
  if (first == std::string::npos || last == first) {
    return {};
  }
  return message.substr(first + 1, last - first - 1);
}

// Rewrites one valijson error into violations naming the key and saying what is expected
// (several for additionalProperties, where valijson names only the first extra key).
std::vector<SchemaViolation> describe(const nlohmann::json& root, const nlohmann::json& document,
                         std::vector<std::string> tokens, const std::string& raw) {
  const nlohmann::json* node = schemaAt(root, tokens);
  const nlohmann::json* value = nullptr;
  try {
    value = &document.at(nlohmann::json::json_pointer(toPointer(tokens)));
  } catch (const std::exception&) {
    value = nullptr;
  }
  auto schemaValue = [&](const char* key) -> std::string {
    if (node != nullptr && node->is_object() && node->contains(key)) {
      return node->at(key).dump();
    }
    return {};
  };
  auto numberFrom = [&](const char* key, const std::string& fallbackText) {
    std::string fromSchema = schemaValue(key);
    if (!fromSchema.empty()) {
      return fromSchema;
    }
    const auto space = fallbackText.rfind(' ');
    return trimNumber(space == std::string::npos ? fallbackText : fallbackText.substr(space + 1));
  };

  std::string message = raw;
  if (startsWith(raw, "Missing required property")) {
    tokens.push_back(quotedBetween(raw));
    message = "required key is missing";
  } else if (startsWith(raw, "Object contains a property that could not be validated")) {
    std::vector<std::string> extraKeys;
    if (value != nullptr && value->is_object() && node != nullptr && node->is_object() &&
        !node->contains("patternProperties")) {
      const auto props = node->find("properties");
      for (auto it = value->begin(); it != value->end(); ++it) {
        if (props == node->end() || !props->is_object() || !props->contains(it.key())) {
          extraKeys.push_back(it.key());
        }
      }
    }
    if (extraKeys.empty()) {
      const auto start = raw.rfind(": '");
      extraKeys.push_back(start == std::string::npos ? std::string()
                                                     : raw.substr(start + 3, raw.size() - start - 5));
    }
    std::vector<SchemaViolation> out;
    for (const auto& key : extraKeys) {
      auto keyTokens = tokens;
      keyTokens.push_back(key);
      out.push_back({toPointer(keyTokens), "unknown key (not allowed here)"});
    }
    return out;
  } else if (startsWith(raw, "Value type not permitted")) {
    std::string expected = schemaValue("type");
    message = expected.empty() ? "has the wrong type" : "must be of type " + expected;
    if (value != nullptr) {
      message += " (got " + jsonTypeName(*value) + ")";
    }
  } else if (startsWith(raw, "Expected number greater than or equal to")) {
    message = "must be >= " + numberFrom("minimum", raw);
  } else if (startsWith(raw, "Expected number greater than")) {
    std::string bound = schemaValue("exclusiveMinimum");
    message = "must be > " + (bound.empty() ? numberFrom("minimum", raw) : bound);
  } else if (startsWith(raw, "Expected number less than or equal to")) {
    message = "must be <= " + numberFrom("maximum", raw);
  } else if (startsWith(raw, "Expected number less than")) {
    std::string bound = schemaValue("exclusiveMaximum");
    message = "must be < " + (bound.empty() ? numberFrom("maximum", raw) : bound);
  } else if (startsWith(raw, "Failed to match against any enum values")) {
    std::string allowed = schemaValue("enum");
    message = allowed.empty() ? "is not one of the allowed values" : "must be one of " + allowed;
  } else if (startsWith(raw, "Failed to match regex")) {
    std::string pattern = schemaValue("pattern");
    message = pattern.empty() ? "does not match the required pattern"
                              : "must match the pattern " + pattern;
  } else if (startsWith(raw, "Failed to match expected value set by 'const'")) {
    std::string expected = schemaValue("const");
    message = expected.empty() ? "does not have the required value" : "must be " + expected;
  } else if (startsWith(raw, "String should be no fewer than")) {
    message = "must be at least " + schemaValue("minLength") + " characters long";
  } else if (startsWith(raw, "String should be no more than")) {
    message = "must be at most " + schemaValue("maxLength") + " characters long";
  } else if (startsWith(raw, "Array should contain no fewer than")) {
    message = "must have at least " + schemaValue("minItems") + " items";
  } else if (startsWith(raw, "Array should contain no more than")) {
    message = "must have at most " + schemaValue("maxItems") + " items";
  } else {
    message = oneLine(raw);
    if (!message.empty() && message.back() == '.') {
      message.pop_back();
    }
    if (!message.empty()) {
      message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
  }
  return {SchemaViolation{toPointer(tokens), message}};
}

void fillDefaults(const nlohmann::json& root, const nlohmann::json* schema, nlohmann::json& value,
                  int depth) {
  schema = resolveLocalRef(root, schema);
  if (schema == nullptr || !schema->is_object() || depth > 64) {
    return;
  }
  if (value.is_object()) {
    auto props = schema->find("properties");
    if (props == schema->end() || !props->is_object()) {
      return;
    }
    for (auto it = props->begin(); it != props->end(); ++it) {
      const nlohmann::json* propSchema = resolveLocalRef(root, &it.value());
      if (propSchema == nullptr || !propSchema->is_object()) {
        continue;
      }
      if (!value.contains(it.key())) {
        auto def = propSchema->find("default");
        if (def == propSchema->end()) {
          continue;
        }
        value[it.key()] = *def;
      }
      fillDefaults(root, propSchema, value[it.key()], depth + 1);
    }
  } else if (value.is_array()) {
    auto items = schema->find("items");
    if (items == schema->end() || !items->is_object()) {
      return;
    }
    for (auto& element : value) {
      fillDefaults(root, &*items, element, depth + 1);
    }
  }
}

}  // namespace

Result<JsonSchema> JsonSchema::compile(const nlohmann::json& schema,
                                       const std::string& nameForMessages) {
  try {
    auto compiled = std::make_shared<CompiledSchema>();
    compiled->json = schema;
    compiled->name = nameForMessages;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(compiled->json);
    parser.populateSchema(adapter, compiled->schema);
    JsonSchema result;
    result.compiled_ = std::move(compiled);
    return result;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Schema,
                     nameForMessages + ": not a valid JSON Schema: " + oneLine(e.what()));
  }
}

std::vector<SchemaViolation> JsonSchema::validate(const nlohmann::json& document) const {
  std::vector<SchemaViolation> violations;
  try {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(document);
    if (validator.validate(compiled_->schema, target, &results)) {
      return violations;
    }
    std::vector<std::pair<std::vector<std::string>, std::string>> raw;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      raw.emplace_back(contextTokens(error.context), error.description);
    }
    const bool anyPrecise = std::any_of(raw.begin(), raw.end(), [](const auto& entry) {
      return !isWrapperMessage(entry.second);
    });
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& [tokens, description] : raw) {
      if (anyPrecise && isWrapperMessage(description)) {
        continue;
      }
      for (auto& violation : describe(compiled_->json, document, tokens, description)) {
        if (seen.insert({violation.pointer, violation.message}).second) {
          violations.push_back(std::move(violation));
        }
      }
    }
  } catch (const std::exception& e) {
    violations.push_back({"", std::string("validation failed: ") + oneLine(e.what())});
  }
  return violations;
}

nlohmann::json JsonSchema::withDefaults(const nlohmann::json& document) const {
  nlohmann::json filled = document;
  fillDefaults(compiled_->json, &compiled_->json, filled, 0);
  return filled;
}

const nlohmann::json& JsonSchema::schemaJson() const { return compiled_->json; }

const std::string& JsonSchema::name() const { return compiled_->name; }

Result<nlohmann::json> readJsonFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    return makeError(exists ? ErrorCode::Io : ErrorCode::NotFound,
                     path.string() + (exists ? ": cannot be opened for reading" : ": no such file"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 3, column 7: <reason>"
    std::string what = e.what();
    const auto at = what.find(" at line ");
    std::string message = at == std::string::npos ? what : "invalid JSON" + what.substr(at);
    return makeError(ErrorCode::Decode, path.string() + ": " + oneLine(message));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Decode, path.string() + ": invalid JSON: " + oneLine(e.what()));
  }
}

std::string formatViolations(const std::string& fileOrContext,
                             const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const SchemaViolation& violation : violations) {
    if (!out.empty()) {
      out += '\n';
    }
    out += fileOrContext + ": " + (violation.pointer.empty() ? "/" : violation.pointer) + ": " +
           violation.message;
  }
  return out;
}

std::string joinViolationsOneLine(const std::string& prefix,
                                  const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const SchemaViolation& violation : violations) {
    if (!out.empty()) {
      out += "; ";
    }
    std::string location = prefix + violation.pointer;
    out += (location.empty() ? std::string("/") : location) + ": " + violation.message;
  }
  return out;
}

}  // namespace winnow::config
