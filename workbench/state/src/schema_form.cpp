#include "winnow/workbench/schema_form.hpp"

#include <algorithm>

namespace winnow::workbench {

using nlohmann::json;

namespace {

std::string optionText(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

void setFromValue(FormField& field, const json& value) {
  field.set = true;
  switch (field.type) {
    case FieldType::Boolean: field.boolValue = value.is_boolean() && value.get<bool>(); break;
    case FieldType::Integer: field.intValue = value.is_number() ? value.get<std::int64_t>() : 0; break;
    case FieldType::Number: field.numberValue = value.is_number() ? value.get<double>() : 0.0; break;
    case FieldType::String: field.text = value.is_string() ? value.get<std::string>() : value.dump(); break;
    case FieldType::Enum: field.text = optionText(value); break;
    case FieldType::Json: field.text = value.dump(); break;
    case FieldType::Invalid: field.set = false; break;
  }
}

}  // namespace

SchemaForm SchemaForm::fromSchema(const json& schema) {
  SchemaForm form;
  const auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return form;
  std::vector<std::string> required;
  if (auto found = schema.find("required"); found != schema.end() && found->is_array()) {
    for (const json& key : *found) {
      if (key.is_string()) required.push_back(key.get<std::string>());
    }
  }
  for (const auto& [key, property] : properties->items()) {
    FormField field;
    field.key = key;
    field.description = property.value("description", std::string());
    field.required = std::find(required.begin(), required.end(), key) != required.end();
    const std::string type = property.contains("type") && property["type"].is_string() ? property["type"].get<std::string>() : "";
    if (property.contains("enum") && property["enum"].is_array()) {
      field.type = FieldType::Enum;
      for (const json& option : property["enum"]) field.options.push_back(optionText(option));
    } else if (type == "boolean") {
      field.type = FieldType::Boolean;
    } else if (type == "integer") {
      field.type = FieldType::Integer;
    } else if (type == "number") {
      field.type = FieldType::Number;
    } else if (type == "string") {
      field.type = FieldType::String;
    } else {
      field.type = FieldType::Json;
    }
    if (property.contains("minimum") && property["minimum"].is_number()) field.minimum = property["minimum"].get<double>();
    if (property.contains("maximum") && property["maximum"].is_number()) field.maximum = property["maximum"].get<double>();
    if (property.contains("default")) {
      setFromValue(field, property["default"]);
    } else if (field.type == FieldType::Enum && !field.options.empty()) {
      field.text = field.options.front();
    }
    form.fields.push_back(std::move(field));
  }
  return form;
}

Result<json> SchemaForm::toParams() const {
  json params = json::object();
  for (const FormField& field : fields) {
    if (!field.set) continue;
    switch (field.type) {
      case FieldType::Boolean: params[field.key] = field.boolValue; break;
      case FieldType::Integer: params[field.key] = field.intValue; break;
      case FieldType::Number: params[field.key] = field.numberValue; break;
      case FieldType::String: params[field.key] = field.text; break;
      case FieldType::Enum: {
        // Non-string enum values (numbers, booleans) were shown as JSON text.
        json parsed = json::parse(field.text, nullptr, false);
        params[field.key] = parsed.is_discarded() || parsed.is_string() ? json(field.text) : parsed;
        break;
      }
      case FieldType::Json: {
        json parsed = json::parse(field.text, nullptr, false);
        if (parsed.is_discarded()) {
          return makeError(ErrorCode::InvalidArgument, "params/" + field.key + ": not valid JSON");
        }
        params[field.key] = std::move(parsed);
        break;
      }
      case FieldType::Invalid: break;
    }
  }
  return params;
}

}  // namespace winnow::workbench
