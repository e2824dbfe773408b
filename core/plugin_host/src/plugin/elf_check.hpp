// Pre-load check of a plugin library's ELF headers against the file on disk.
//
// Why: dlopen maps a library's segments straight from the file. A library cut short (a copy still
// being written, a disk that filled up) maps pages past the end of the file, and the first touch of
// one kills the whole host with SIGBUS before dlopen can return an error. Reading the headers first
// turns that into an ordinary one-line rejection.
//
// Limits: the check reads the file once; a file truncated between this check and dlopen can still
// fault (nothing short of loading a private copy closes that window).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace winnow::plugin::detail {

// nullopt when `path` is an ELF shared object of this host's class, byte order and machine whose
// program headers, loadable and dynamic segments, section header table and sections all lie
// inside the file; otherwise one line "<path>: not loaded: <reason>", e.g.
// "<path>: not loaded: truncated ELF file (segment 3 ends at 73728, file has 40960 bytes)";
// a file that is not ELF at all: "<path>: not a loadable library: not an ELF file (...)".
// Never throws.
std::optional<std::string> checkElfLibrary(const std::filesystem::path& path) noexcept;

}  // namespace winnow::plugin::detail
