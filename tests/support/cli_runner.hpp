// Test helper: runs the built `winnow` binary (WINNOW_CLI) with arguments, capturing its exit
// code, stdout and stderr (stderr through a file in the test's folder).
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace winnow::test {

struct CommandResult {
  int exitCode = -1;
  std::string out;  // stdout only; stderr goes to a file beside it
  std::string err;
};

inline std::string quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs a shell command line; stdout is captured, stderr goes through <dir>/stderr.txt.
inline CommandResult runCommand(const std::string& commandLine, const TempDir& dir) {
  const std::filesystem::path errPath = dir / "stderr.txt";
  const std::string command = commandLine + " 2>" + quote(errPath.string());
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(errPath);
  result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return result;
}

// The built `winnow` (WINNOW_CLI, defined by the test target) with arguments, each quoted.
inline CommandResult runWinnow(const std::vector<std::string>& args, const TempDir& dir) {
  std::string command = quote(WINNOW_CLI);
  for (const auto& arg : args) command += " " + quote(arg);
  return runCommand(command, dir);
}

inline nlohmann::json parseJson(const CommandResult& result) {
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << "stdout is not JSON:\n" << result.out << "\nstderr:\n" << result.err;
  return json;
}

}  // namespace winnow::test
