#include "winnow/util/executable_path.hpp"

namespace winnow {

std::filesystem::path executableDirectory() {
  std::error_code ec;
  const std::filesystem::path location = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || location.empty()) return {};
  return location.parent_path();
}

}  // namespace winnow
