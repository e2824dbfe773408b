// The project's own JSON Schemas (schemas/*.json), found in the source tree (WINNOW_SCHEMA_DIR),
// else <exe>/../share/winnow/schemas, else the install dir, compiled once and cached.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/config/json_schema.hpp"
#include "winnow/util/result.hpp"

namespace winnow::config {

// fileName relative to the schemas folder, e.g. "pipeline.schema.json" or "steps/ingest.schema.json".
// Thread-safe; the returned reference lives for the whole process.
const Result<JsonSchema>& projectSchema(const std::string& fileName);

// One line naming every violation of a step's params: "<step>: params/<key>: <reason>; ...". For a
// step whose params are its pipeline fields (export) a location is the field itself.
std::string describeParamViolations(const std::string& stepName, const std::vector<SchemaViolation>& violations,
                                    bool paramsAreStepFields = false);

// A core step's params checked against schemas/steps/<stepName>.schema.json with its defaults
// filled (null params count as {}), or a Schema error worded by describeParamViolations. What the
// operation functions (dedupe::runDupes, ...) call, so that they need nothing above this floor;
// pipeline::resolveStepParams is the same plus the rules a step declares beyond its schema
// (StepDefinition::check). Resolving resolved params again changes nothing.
Result<nlohmann::json> resolveStepSchemaParams(const std::string& stepName, const nlohmann::json& params);

}  // namespace winnow::config
