// "Did you mean 'X'?" for names a user typed (commands, classes, splits, flags, capability ids):
// the closest known name by Damerau-Levenshtein distance. One place for every caller, so the CLI,
// pipelines and the workbench suggest the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace winnow {

// Damerau-Levenshtein distance (optimal string alignment: insertions, deletions, substitutions
// and transpositions of adjacent characters each cost 1), ASCII letters compared case-folded.
std::size_t editDistance(std::string_view a, std::string_view b);

// The known name the user most likely meant by `typed`, or nullopt when none is close: the
// nearest name at distance at most max(1, typed.size() / 3) (ties: the first in `known`), else
// the only known name that starts with `typed` (3 or more characters). A `typed` that equals a
// known name exactly gives that name.
std::optional<std::string> closestName(std::string_view typed, const std::vector<std::string>& known);

// One line for an unknown name, e.g. ("class", "fakee", {"fake", "real"}, "classes in the
// project") -> "unknown class 'fakee' (did you mean 'fake'?); classes in the project: fake, real".
// Known names are listed sorted and deduplicated, the first 20 and then "... (N more)"; none:
// "<knownLabel>: none".
std::string unknownNameMessage(std::string_view kind, std::string_view typed, const std::vector<std::string>& known,
                               std::string_view knownLabel);

}  // namespace winnow
