// The project's own JSON Schemas (schemas/*.json), found in the source tree (WINNOW_SCHEMA_DIR),
// else <exe>/../share/winnow/schemas, else the install dir, compiled once and cached.
#pragma once

#include <string>

#include "winnow/config/json_schema.hpp"
#include "winnow/util/result.hpp"

namespace winnow::config {

// fileName relative to the schemas folder, e.g. "pipeline.schema.json" or "steps/ingest.schema.json".
// Thread-safe; the returned reference lives for the whole process.
const Result<JsonSchema>& projectSchema(const std::string& fileName);

}  // namespace winnow::config
