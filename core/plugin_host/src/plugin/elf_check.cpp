#include "elf_check.hpp"

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace winnow::plugin::detail {
namespace {

#if UINTPTR_MAX == 0xffffffffffffffffu
using Ehdr = Elf64_Ehdr;
using Phdr = Elf64_Phdr;
using Shdr = Elf64_Shdr;
constexpr unsigned char kHostClass = ELFCLASS64;
constexpr const char* kHostClassName = "64-bit";
#else
using Ehdr = Elf32_Ehdr;
using Phdr = Elf32_Phdr;
using Shdr = Elf32_Shdr;
constexpr unsigned char kHostClass = ELFCLASS32;
constexpr const char* kHostClassName = "32-bit";
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2LSB;
#else
constexpr unsigned char kHostData = ELFDATA2MSB;
#endif

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr int kHostMachine = EM_386;
#elif defined(__arm__)
constexpr int kHostMachine = EM_ARM;
#else
constexpr int kHostMachine = -1;  // unknown host: machine not checked
#endif

// Marks the one reason worded as the loader words it ("not a loadable library").
constexpr const char* kNotElf = "\x01";

const char* segmentTypeName(std::uint32_t type) {
  switch (type) {
    case PT_LOAD: return "loadable segment";
    case PT_DYNAMIC: return "dynamic segment";
    default: return "segment";
  }
}

// `offset + size` as an end offset; false when it overflows.
bool endOf(std::uint64_t offset, std::uint64_t size, std::uint64_t& end) {
  end = offset + size;
  return end >= offset;
}

bool readAt(std::ifstream& in, std::uint64_t offset, void* out, std::size_t count) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(out), static_cast<std::streamsize>(count));
  return static_cast<std::size_t>(in.gcount()) == count;
}

std::string truncated(const std::string& what, std::uint64_t end, std::uint64_t fileSize) {
  return "truncated ELF file (" + what + " ends at " + std::to_string(end) + ", file has " +
         std::to_string(fileSize) + " bytes)";
}

std::optional<std::string> checkFile(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uint64_t fileSize = std::filesystem::file_size(path, ec);
  if (ec) return "cannot read file size: " + ec.message();
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string("cannot open file: ") + std::strerror(errno);

  unsigned char ident[EI_NIDENT] = {};
  const std::size_t identBytes = std::min<std::uint64_t>(fileSize, EI_NIDENT);
  if (identBytes < SELFMAG || !readAt(in, 0, ident, identBytes) ||
      std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
    return kNotElf + std::string("not an ELF file (") + std::to_string(fileSize) + " bytes, no ELF signature)";
  }
  if (fileSize < sizeof(Ehdr)) {
    return truncated("ELF header", sizeof(Ehdr), fileSize);
  }
  if (ident[EI_CLASS] != kHostClass) {
    return std::string("wrong ELF class (host is ") + kHostClassName + ", file has class " +
           std::to_string(ident[EI_CLASS]) + ")";
  }
  if (ident[EI_DATA] != kHostData) {
    return "wrong ELF byte order (" + std::to_string(ident[EI_DATA]) + ") for this host";
  }
  Ehdr header{};
  if (!readAt(in, 0, &header, sizeof header)) return std::string("cannot read the ELF header");
  if (header.e_type != ET_DYN) {
    return "not a shared library (ELF type " + std::to_string(header.e_type) + ")";
  }
  if (kHostMachine >= 0 && header.e_machine != kHostMachine) {
    return "built for another machine (ELF machine " + std::to_string(header.e_machine) +
           ", host has " + std::to_string(kHostMachine) + ")";
  }
  if (header.e_phnum == 0 || header.e_phentsize != sizeof(Phdr)) {
    return "bad program header table (" + std::to_string(header.e_phnum) + " entries of " +
           std::to_string(header.e_phentsize) + " bytes)";
  }
  std::uint64_t end = 0;
  if (!endOf(header.e_phoff, std::uint64_t{header.e_phnum} * header.e_phentsize, end) || end > fileSize) {
    return truncated("program header table", end, fileSize);
  }
  std::vector<Phdr> segments(header.e_phnum);
  if (!readAt(in, header.e_phoff, segments.data(), segments.size() * sizeof(Phdr))) {
    return std::string("cannot read the program headers");
  }
  bool hasLoad = false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Phdr& segment = segments[i];
    if (segment.p_type == PT_LOAD) {
      hasLoad = true;
      if (segment.p_filesz > segment.p_memsz) {
        return "corrupt ELF file (segment " + std::to_string(i) + " has more file bytes than memory bytes)";
      }
    }
    if (segment.p_filesz == 0) continue;
    if (!endOf(segment.p_offset, segment.p_filesz, end) || end > fileSize) {
      return truncated(segmentTypeName(segment.p_type) + std::string(" ") + std::to_string(i), end, fileSize);
    }
  }
  if (!hasLoad) return std::string("corrupt ELF file (no loadable segment)");

  // Section headers are not needed to map the library, but a table past the end is the surest
  // sign of a copy cut short (it is the last thing in the file), and the loader's callers
  // (debuggers, Boost.DLL's symbol lookups) read it.
  if (header.e_shoff != 0 && header.e_shnum != 0) {
    if (header.e_shentsize != sizeof(Shdr)) {
      return "bad section header table (entries of " + std::to_string(header.e_shentsize) + " bytes)";
    }
    if (!endOf(header.e_shoff, std::uint64_t{header.e_shnum} * header.e_shentsize, end) || end > fileSize) {
      return truncated("section header table", end, fileSize);
    }
    std::vector<Shdr> sections(header.e_shnum);
    if (!readAt(in, header.e_shoff, sections.data(), sections.size() * sizeof(Shdr))) {
      return std::string("cannot read the section headers");
    }
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const Shdr& section = sections[i];
      if (section.sh_type == SHT_NOBITS || section.sh_type == SHT_NULL || section.sh_size == 0) continue;
      if (!endOf(section.sh_offset, section.sh_size, end) || end > fileSize) {
        return truncated("section " + std::to_string(i), end, fileSize);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> checkElfLibrary(const std::filesystem::path& path) noexcept {
  try {
    if (auto problem = checkFile(path)) {
      if (problem->rfind(kNotElf, 0) == 0) {
        return path.string() + ": not a loadable library: " + problem->substr(std::strlen(kNotElf));
      }
      return path.string() + ": not loaded: " + *problem;
    }
    return std::nullopt;
  } catch (const std::exception& e) {
    return path.string() + ": not loaded: cannot check the file: " + e.what();
  } catch (...) {
    return path.string() + ": not loaded: cannot check the file";
  }
}

}  // namespace winnow::plugin::detail
