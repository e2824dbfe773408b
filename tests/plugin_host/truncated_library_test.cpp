// A plugin library cut short (a copy still being written) must be rejected with one line before
// dlopen maps it: mapping pages past the end of the file kills the host with SIGBUS (issue 16.2).
// Runs in-process on purpose: before the ELF check this test binary itself died inside dlopen.
#include <gtest/gtest.h>

#include <elf.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow::plugin {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = WINNOW_FIXTURE_DIR;
const char* kManifest = "winnow_fixture_good.winnow-plugin.json";
const char* kLibrary = "libwinnow_fixture_good.so";

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A folder holding the good fixture's manifest and `library` bytes as its library.
struct PluginCopy {
  test::TempDir dir{"winnow-truncated"};
  explicit PluginCopy(const std::string& library) {
    fs::copy_file(kFixtures / kManifest, dir / kManifest);
    writeAll(dir / kLibrary, library);
  }
};

// The one rejection of the copy; fails the test when it loaded.
std::string rejectionOf(const PluginCopy& copy) {
  HostServices quiet;
  quiet.log = [](LogLevel, std::string_view, std::string_view) {};
  PluginHost host(quiet);
  host.discover({copy.dir.path()});
  const auto& records = host.plugins();
  EXPECT_EQ(records.size(), 1U);
  if (records.empty()) return {};
  EXPECT_EQ(records[0].state, PluginState::Rejected) << "a broken library loaded";
  EXPECT_EQ(records[0].rejectionReason.find('\n'), std::string::npos);
  return records[0].rejectionReason;
}

TEST(TruncatedLibrary, EveryCutIsRejectedWithTheFileAndTheSizes) {
  const std::string whole = readAll(kFixtures / kLibrary);
  ASSERT_GT(whole.size(), 4096U);
  const std::vector<std::size_t> cuts = {sizeof(Elf64_Ehdr), sizeof(Elf64_Ehdr) + 100, whole.size() / 4,
                                         whole.size() / 2, whole.size() * 9 / 10, whole.size() - 1};
  for (std::size_t cut : cuts) {
    PluginCopy copy(whole.substr(0, cut));
    const std::string reason = rejectionOf(copy);
    EXPECT_NE(reason.find((copy.dir / kLibrary).string() + ": not loaded: truncated ELF file"), std::string::npos)
        << "cut at " << cut << ": " << reason;
    EXPECT_NE(reason.find("file has " + std::to_string(cut) + " bytes"), std::string::npos)
        << "cut at " << cut << ": " << reason;
  }
}

TEST(TruncatedLibrary, TheWholeCopyStillLoads) {
  PluginCopy copy(readAll(kFixtures / kLibrary));
  PluginHost host;
  host.discover({copy.dir.path()});
  ASSERT_EQ(host.plugins().size(), 1U);
  EXPECT_EQ(host.plugins()[0].state, PluginState::Loaded) << host.plugins()[0].rejectionReason;
}

TEST(TruncatedLibrary, ForeignOrDamagedHeadersAreRejected) {
  const std::string whole = readAll(kFixtures / kLibrary);
  auto patched = [&](std::size_t offset, std::string bytes) {
    std::string copy = whole;
    copy.replace(offset, bytes.size(), bytes);
    return copy;
  };
  struct Case {
    std::string name;
    std::string bytes;
    std::string expected;
  };
  std::string wrongMachine = whole;
  {
    auto* header = reinterpret_cast<Elf64_Ehdr*>(wrongMachine.data());
    header->e_machine = header->e_machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
  }
  std::string segmentPastEnd = whole;
  {
    const auto* header = reinterpret_cast<const Elf64_Ehdr*>(segmentPastEnd.data());
    auto* segments = reinterpret_cast<Elf64_Phdr*>(segmentPastEnd.data() + header->e_phoff);
    for (int i = 0; i < header->e_phnum; ++i) {
      if (segments[i].p_type == PT_LOAD) {
        segments[i].p_filesz = segments[i].p_memsz = 1ULL << 40;
        break;
      }
    }
  }
  std::string phoffOverflow = whole;
  reinterpret_cast<Elf64_Ehdr*>(phoffOverflow.data())->e_phoff = ~0ULL - 8;
  const std::vector<Case> cases = {
      {"garbage", std::string(8192, '\xa5'), "not a loadable library: "},
      {"empty", std::string(), "not a loadable library: "},
      {"magic only", std::string("\x7f" "ELF"), "truncated ELF file (ELF header ends at"},
      {"32-bit class", patched(EI_CLASS, std::string(1, ELFCLASS32)), "wrong ELF class"},
      {"big endian", patched(EI_DATA, std::string(1, ELFDATA2MSB)), "wrong ELF byte order"},
      {"other machine", wrongMachine, "built for another machine"},
      {"segment past the end", segmentPastEnd, "truncated ELF file (loadable segment"},
      {"program headers past the end", phoffOverflow, "truncated ELF file (program header table"},
  };
  for (const auto& c : cases) {
    PluginCopy copy(c.bytes);
    const std::string reason = rejectionOf(copy);
    EXPECT_NE(reason.find(c.expected), std::string::npos) << c.name << ": " << reason;
    EXPECT_NE(reason.find(kLibrary), std::string::npos) << c.name << ": " << reason;
  }
}

}  // namespace
}  // namespace winnow::plugin
