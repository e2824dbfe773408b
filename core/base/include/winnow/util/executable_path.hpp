// Where the running program is: the anchor for the folders found relative to an installed winnow
// (<exe>/../share/winnow/schemas, <exe>/../lib/winnow/plugins, <exe>/../lib/winnow).
#pragma once

#include <filesystem>

namespace winnow {

// Folder of the running executable (/proc/self/exe resolved), or empty when it cannot be told.
std::filesystem::path executableDirectory();

}  // namespace winnow
