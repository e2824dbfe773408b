#include "cli_support.hpp"

#include <cstdio>
#include <iostream>

namespace winnow::cli {

bool parseCommandLine(const std::string& command, const std::string& usage,
                      po::options_description& options,
                      const po::positional_options_description& positional,
                      const std::vector<std::string>& args, CommandLine& out, int& exitCode) {
  options.add_options()("json", "print the result as one JSON document (progress as JSON lines on stderr)")(
      "help,h", "show this help");
  out.args = args;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(),
              out.values);
    if (out.values.count("help")) {
      std::cout << "usage: winnow " << command << " " << usage << "\n\n" << options << "\n";
      exitCode = kExitOk;
      return false;
    }
    po::notify(out.values);
  } catch (const po::error& e) {
    std::cerr << "winnow " << command << ": " << e.what() << "\n"
              << "usage: winnow " << command << " " << usage << " (see --help)\n";
    exitCode = kExitUsage;
    return false;
  }
  out.json = out.values.count("json") > 0;
  return true;
}

int printError(const Error& error, bool json, int exitCode) {
  if (json) {
    printJson({{"ok", false}, {"error", error.message}, {"code", errorCodeName(error.code)}});
  }
  std::cerr << "error: " << error.message << "\n";
  if (!error.detail.empty()) std::cerr << "  " << error.detail << "\n";
  return exitCode;
}

void printJson(const nlohmann::json& document) {
  std::cout << document.dump(2) << std::endl;
}

job::ProgressStyle progressStyle(bool json) {
  return json ? job::ProgressStyle::JsonLines : job::ProgressStyle::Terminal;
}

plugin::PluginHost makePluginHost(const std::vector<std::string>& extraFolders, bool json) {
  plugin::HostServices services;
  services.isCancelled = [] { return job::interruptRequested(); };
  services.log = [json](plugin::LogLevel level, std::string_view pluginId, std::string_view message) {
    if (level < plugin::LogLevel::Warning) return;
    // Rejections are shown by 'winnow plugins'; other commands keep them out of the way.
    if (pluginId == "winnow.plugin-host" && level == plugin::LogLevel::Warning) return;
    if (json) return;
    std::cerr << "[" << pluginId << "] " << message << "\n";
  };
  plugin::PluginHost host(services);
  std::vector<std::filesystem::path> folders;
  for (const auto& folder : extraFolders) folders.push_back(std::filesystem::absolute(folder));
  for (const auto& folder : plugin::PluginHost::defaultSearchFolders()) folders.push_back(folder);
  host.discover(folders);
  return host;
}

Result<nlohmann::json> parseKeyValues(const std::vector<std::string>& pairs, const char* what) {
  nlohmann::json object = nlohmann::json::object();
  for (const std::string& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return makeError(ErrorCode::InvalidArgument,
                       std::string(what) + " '" + pair + "': expected key=value");
    }
    const std::string key = pair.substr(0, equals);
    const std::string text = pair.substr(equals + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    object[key] = value.is_discarded() ? nlohmann::json(text) : value;
  }
  return object;
}

}  // namespace winnow::cli
