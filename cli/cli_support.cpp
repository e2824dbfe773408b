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

Result<std::map<std::string, std::string>> parseTextPairs(const std::vector<std::string>& pairs, const char* what,
                                                         const char* shape) {
  std::map<std::string, std::string> parsed;
  for (const std::string& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size()) {
      return makeError(ErrorCode::InvalidArgument, std::string(what) + " '" + pair + "': expected " + shape);
    }
    parsed[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return parsed;
}

std::vector<std::string> listOption(const CommandLine& line, const char* name) {
  return line.values.count(name) ? line.values[name].as<std::vector<std::string>>()
                                 : std::vector<std::string>();
}

std::string formatNumber(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void addParamOption(po::options_description& options) {
  options.add_options()("param,p", po::value<std::vector<std::string>>()->composing(),
                        "step parameter key=value, repeatable (see schemas/steps/<command>.schema.json)");
}

int runOperation(const std::string& command, const CommandLine& line, nlohmann::json params,
                 const ProjectOperation& operation,
                 const std::function<void(const nlohmann::json&)>& printText) {
  if (line.values.count("param")) {
    auto extra = parseKeyValues(line.values["param"].as<std::vector<std::string>>(), "--param");
    if (!extra) return printError(extra.error(), line.json, kExitUsage);
    params.update(*extra);
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  plugin::PluginHost host = makePluginHost(
      line.values.count("plugin-path") ? listOption(line, "plugin-path") : std::vector<std::string>(), line.json);
  std::optional<std::int64_t> runId;
  if (auto begun = store.beginRun(command, params.dump())) runId = *begun;
  job::JobContext job(progressStyle(line.json));
  auto result = operation(store, host, params, job, runId);
  if (!result) {
    if (runId) (void)store.finishRun(*runId, "failed", nlohmann::json{{"error", result.error().message}}.dump());
    const bool usage = result.error().code == ErrorCode::InvalidArgument;
    return printError(result.error(), line.json, usage ? kExitUsage : kExitFailure);
  }
  const bool cancelled = result->value("cancelled", false);
  if (runId) (void)store.finishRun(*runId, cancelled ? "cancelled" : "ok", result->dump());
  if (line.json) {
    printJson(*result);
  } else if (cancelled) {
    std::cout << command << " cancelled; committed work is kept\n";
  } else {
    printText(*result);
  }
  if (cancelled) return kExitCancelled;
  return result->value("failed", std::int64_t{0}) > 0 ? kExitPartial : kExitOk;
}

bool parseProjectCommand(const std::string& command, const std::string& usage,
                         po::options_description& options, const std::vector<std::string>& args,
                         CommandLine& line, int& exitCode) {
  options.add_options()("project", po::value<std::string>()->required(), "project folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  return parseCommandLine(command, usage, options, positional, args, line, exitCode);
}


}  // namespace winnow::cli
