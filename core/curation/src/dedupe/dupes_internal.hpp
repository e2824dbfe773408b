// Helpers shared by the dedupe sources (private to the dedupe module).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "winnow/util/result.hpp"

struct sqlite3;

namespace winnow::dedupe::detail {

// Actor of the sample's latest status decision that is still in effect (not undone), if any.
Result<std::optional<std::string>> latestStatusActor(sqlite3* db, std::int64_t sampleId);

// dupes may change a sample's status only when no one decided it yet or dupes did last.
inline bool dupesOwnsStatus(const std::optional<std::string>& actor) {
  return !actor || *actor == "dupes";
}

inline constexpr const char* kChosenByPrefix = "chosen by ";

}  // namespace winnow::dedupe::detail
