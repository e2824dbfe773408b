#include "cli_support.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>

#include "winnow/log/log.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/util/display_text.hpp"
#include "winnow/util/name_suggestion.hpp"

namespace winnow::cli {

namespace {

// "<folder>" for the positional option "folder": the token of `usage` at its position
// ("<sample-id>..." for "ids" in "<project> <class> <sample-id>..."), else "<name>".
std::string positionalDisplayName(const std::string& name, const std::string& usage,
                                  const po::positional_options_description& positional) {
  const unsigned count = positional.max_total_count();
  std::optional<unsigned> position;
  for (unsigned i = 0; i < std::min(count, 64u); ++i) {
    if (positional.name_for_position(i) == name) {
      position = i;
      break;
    }
  }
  if (position) {
    unsigned index = 0;
    for (std::size_t at = usage.find('<'); at != std::string::npos; at = usage.find('<', at + 1)) {
      const std::size_t end = usage.find('>', at);
      if (end == std::string::npos) break;
      if (index++ == *position) {
        std::size_t stop = end + 1;
        while (stop < usage.size() && usage[stop] == '.') ++stop;
        return usage.substr(at, stop - at);
      }
    }
  }
  return "<" + name + ">";
}

bool isPositional(const std::string& name, const po::positional_options_description& positional) {
  const unsigned count = std::min(positional.max_total_count(), 64u);
  for (unsigned i = 0; i < count; ++i) {
    if (positional.name_for_position(i) == name) return true;
  }
  return false;
}

// The one line for a command line the parser refused: missing positional arguments named as the
// usage shows them, unknown options with the nearest known option.
std::string describeParseError(const po::error& error, const po::options_description& options,
                               const po::positional_options_description& positional, const std::string& usage,
                               const po::variables_map& values) {
  if (const auto* missing = dynamic_cast<const po::required_option*>(&error)) {
    std::string name = missing->get_option_name();
    while (!name.empty() && name.front() == '-') name.erase(name.begin());
    if (!isPositional(name, positional)) return "missing --" + name;
    // Every missing positional argument, in the order the usage shows them.
    std::string names;
    std::set<std::string> seen;
    for (unsigned i = 0; i < std::min(positional.max_total_count(), 64u); ++i) {
      const std::string& candidate = positional.name_for_position(i);
      if (!seen.insert(candidate).second || values.count(candidate)) continue;
      const auto* option = options.find_nothrow(candidate, false);
      if (!option || !option->semantic()->is_required()) continue;
      names += (names.empty() ? "" : " ") + positionalDisplayName(candidate, usage, positional);
    }
    return "missing " + (names.empty() ? positionalDisplayName(name, usage, positional) : names);
  }
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&error)) {
    std::string typed = unknown->get_option_name();
    std::vector<std::string> known;
    for (const auto& option : options.options()) {
      const std::string longName = option->long_name();
      if (!longName.empty() && !isPositional(longName, positional)) known.push_back("--" + longName);
    }
    std::string message = "unknown option '" + typed + "'";
    if (auto suggestion = closestName(typed.substr(0, typed.find('=')), known)) {
      message += " (did you mean '" + *suggestion + "'?)";
    }
    return message;
  }
  return error.what();
}

}  // namespace

bool parseCommandLine(const std::string& command, const std::string& usage,
                      po::options_description& options,
                      const po::positional_options_description& positional,
                      const std::vector<std::string>& args, CommandLine& out, int& exitCode) {
  options.add_options()("json", "print the result as one JSON document (progress as JSON lines on stderr)")(
      "verbose,v", "also show plugins' information messages (warnings and errors always show)")("help,h", "show this help");
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
    std::cerr << "error: winnow " << command << ": " << describeParseError(e, options, positional, usage, out.values)
              << ": usage: winnow " << command << " " << usage << " (see --help)\n";
    exitCode = kExitUsage;
    return false;
  }
  out.json = out.values.count("json") > 0;
  log::ConsoleSettings console;
  console.format = out.json ? log::ConsoleFormat::JsonLines : log::ConsoleFormat::Text;
  console.verbose = out.values.count("verbose") > 0;
  log::configureConsole(console);
  protectTerminalOutput(out.json);
  // A plugin folder that does not exist is a typo, not an empty folder: refuse it.
  if (out.values.count("plugin-path")) {
    for (const auto& folder : out.values["plugin-path"].as<std::vector<std::string>>()) {
      std::error_code ec;
      if (!std::filesystem::is_directory(folder, ec)) {
        exitCode = printError(makeError(ErrorCode::InvalidArgument,
                                        "--plugin-path '" + folder + "': " +
                                            (std::filesystem::exists(folder, ec) ? "not a folder" : "no such folder")),
                              out.json, kExitUsage);
        return false;
      }
    }
  }
  return true;
}

bool isStoreBusy(const Error& error) {
  if (error.code != ErrorCode::Database) return false;
  for (const char* text : {"database is locked", "database table is locked", "database is busy"}) {
    if (error.message.find(text) != std::string::npos || error.detail.find(text) != std::string::npos) return true;
  }
  return false;
}

Error storeBusyError(const std::string& project, const Error& cause) {
  return makeError(ErrorCode::Database,
                   "project '" + project +
                       "' is locked: another winnow command or the workbench is writing to its store; "
                       "nothing was changed, try again when it has finished (" +
                       cause.message + ")");
}

Result<std::vector<std::string>> projectClasses(store::ProjectStore& store) {
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::set<std::string> names;
  for (const auto& sample : *samples) {
    if (sample.label && !sample.label->empty()) names.insert(*sample.label);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> projectSplits(store::ProjectStore& store) {
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::vector<std::string> names = {"train", "val", "test"};
  for (const auto& sample : *samples) {
    if (!sample.split.empty() && std::find(names.begin(), names.end(), sample.split) == names.end()) {
      names.push_back(sample.split);
    }
  }
  return names;
}

std::vector<std::string> capabilityIds(const plugin::PluginHost& host, plugin::CapabilityKind kind) {
  std::vector<std::string> ids;
  for (const auto* capability : host.capabilities(kind)) ids.push_back(capability->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status checkKnownName(const std::string& option, const std::string& kind, const std::string& typed,
                      const std::vector<std::string>& known, const std::string& knownLabel) {
  if (std::find(known.begin(), known.end(), typed) != known.end()) return okStatus();
  return makeError(ErrorCode::InvalidArgument,
                   (option.empty() ? std::string() : option + ": ") + unknownNameMessage(kind, typed, known, knownLabel));
}

Result<std::vector<std::string>> knownDetectors(store::ProjectStore& store, const plugin::PluginHost& host) {
  auto catalog = review::loadReviewCatalog(store);
  if (!catalog) return catalog.error();
  std::set<std::string> names;
  for (const auto& id : capabilityIds(host, plugin::CapabilityKind::Detector)) names.insert(id);
  // The detect step records "face_count:<detector>" for every sample it ran on.
  const std::string prefix = "face_count:";
  for (const auto& measure : catalog->measureNames) {
    if (measure.rfind(prefix, 0) == 0 && measure.size() > prefix.size()) names.insert(measure.substr(prefix.size()));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Status checkCapability(const plugin::PluginHost& host, plugin::CapabilityKind kind, const std::string& option,
                       const std::string& typed) {
  const std::string kindName = plugin::capabilityKindName(kind);
  const std::vector<std::string> known = capabilityIds(host, kind);
  if (std::find(known.begin(), known.end(), typed) == known.end()) {
    // Declared only by rejected plugins: name them and why, rather than "unknown".
    if (Status available = host.checkAvailable(typed); !available && available.error().code == ErrorCode::Plugin) {
      return makeError(ErrorCode::Plugin, (option.empty() ? std::string() : option + ": ") + available.error().message);
    }
  }
  return checkKnownName(option, kindName, typed, known, kindName + "s of the loaded plugins (winnow plugins lists them)");
}

int printError(const Error& error, bool json, int exitCode) {
  if (isStoreBusy(error)) exitCode = kExitFailure;
  std::string message = error.message;
  // Damage found after open (a page quick_check does not reach) still names the way out.
  if (message.find("database disk image is malformed") != std::string::npos &&
      message.find("database is corrupt") == std::string::npos) {
    message += " (the project store is damaged: restore it from a backup, or run 'winnow check <project>')";
  }
  if (json) {
    printJson({{"ok", false}, {"error", message}, {"code", errorCodeName(error.code)}});
  }
  std::cerr << "error: " << terminalSafeText(message, /*keepLineBreaks=*/true) << "\n";
  if (!error.detail.empty()) std::cerr << "  " << terminalSafeText(error.detail, /*keepLineBreaks=*/true) << "\n";
  return exitCode;
}

std::string compactJson(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void printJson(const nlohmann::json& document) {
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

namespace {

// std::cout's buffer in text mode: passes lines on through terminalSafeText. Holds back at most
// an unfinished line (and an unfinished UTF-8 sequence) until a newline or a flush.
class TerminalSafeBuffer : public std::streambuf {
 public:
  explicit TerminalSafeBuffer(std::streambuf* target) : target_(target) {}

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    pending_ += traits_type::to_char_type(c);
    if (pending_.back() == '\n' || pending_.size() >= kMaxPending) pass(/*all=*/false);
    return c;
  }
  std::streamsize xsputn(const char* text, std::streamsize count) override {
    pending_.append(text, static_cast<std::size_t>(count));
    if (std::memchr(text, '\n', static_cast<std::size_t>(count)) != nullptr || pending_.size() >= kMaxPending) {
      pass(/*all=*/false);
    }
    return count;
  }
  int sync() override {
    pass(/*all=*/true);
    return target_->pubsync();
  }

 private:
  static constexpr std::size_t kMaxPending = 1 << 16;

  void pass(bool all) {
    const std::size_t complete = all ? pending_.size() : completeUtf8Prefix(pending_);
    const std::string safe = terminalSafeText(std::string_view(pending_).substr(0, complete), true);
    target_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
    pending_.erase(0, complete);
  }

  std::streambuf* target_;
  std::string pending_;
};

}  // namespace

void protectTerminalOutput(bool json) {
  // Never destroyed: the streams are flushed through them at exit, after static destructors.
  // std::cerr carries only messages (progress bars go through stdio, not through it).
  static TerminalSafeBuffer* errBuffer = nullptr;
  if (errBuffer == nullptr) {
    errBuffer = new TerminalSafeBuffer(std::cerr.rdbuf());
    std::cerr.rdbuf(errBuffer);
  }
  static TerminalSafeBuffer* outBuffer = nullptr;
  if (outBuffer == nullptr && !json) {
    outBuffer = new TerminalSafeBuffer(std::cout.rdbuf());
    std::cout.rdbuf(outBuffer);
  }
}

nlohmann::json displayJson(const nlohmann::json& document) {
  if (document.is_string()) return displayText(document.get_ref<const std::string&>());
  if (document.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : document) out.push_back(displayJson(item));
    return out;
  }
  if (document.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : document.items()) out[displayText(key)] = displayJson(value);
    return out;
  }
  return document;
}

namespace {

// Plugin messages reach the user through the one logger: warnings and errors always, information
// with --verbose; under --json as {"event": "plugin_log", ...} lines beside the progress events.
plugin::HostServices commandServices() {
  plugin::HostServices services;
  services.isCancelled = [] { return job::interruptRequested(); };
  services.log = [](plugin::LogLevel level, std::string_view pluginId, std::string_view message) {
    // Rejections are shown by 'winnow plugins' and named when a command asks for the capability.
    if (pluginId == "winnow.plugin-host" && level == plugin::LogLevel::Warning) return;
    plugin::logRecord(level, pluginId, message);
  };
  return services;
}

std::vector<std::filesystem::path> pluginFolders(const std::vector<std::string>& extraFolders) {
  std::vector<std::filesystem::path> folders;
  for (const auto& folder : extraFolders) folders.push_back(std::filesystem::absolute(folder));
  for (const auto& folder : plugin::PluginHost::defaultSearchFolders()) folders.push_back(folder);
  return folders;
}

}  // namespace

plugin::PluginHost makePluginHost(const std::vector<std::string>& extraFolders) {
  plugin::PluginHost host(commandServices());
  host.discover(pluginFolders(extraFolders));
  return host;
}

pipeline::StepHost makeStepHost(const std::vector<std::string>& extraFolders) {
  return pipeline::StepHost(
      [folders = pluginFolders(extraFolders)](plugin::HostServices services) {
        plugin::PluginHost host(std::move(services));
        host.discover(folders);
        return host;
      },
      commandServices());
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

std::string defaultNote(const std::string& step, const std::string& key) {
  const pipeline::StepDefinition* definition = pipeline::findStep(step);
  if (definition == nullptr) return "";
  const auto& schema = pipeline::stepSchema(*definition);
  if (!schema) return "";
  const nlohmann::json& properties = schema->schemaJson().value("properties", nlohmann::json::object());
  if (!properties.contains(key) || !properties[key].is_object() || !properties[key].contains("default")) return "";
  const nlohmann::json& value = properties[key]["default"];
  return " (default " + (value.is_string() ? value.get<std::string>() : value.dump()) + ")";
}

namespace {

// -p key=value pairs merged over params.
Status mergeParamOption(const CommandLine& line, nlohmann::json& params) {
  if (!line.values.count("param")) return okStatus();
  auto extra = parseKeyValues(line.values["param"].as<std::vector<std::string>>(), "--param");
  if (!extra) return extra.error();
  params.update(*extra);
  return okStatus();
}

// A step's error as the exit code: a store another process holds is a failure that names the
// project; params the schema refuses are a usage error.
int printStepError(const Error& error, const CommandLine& line, bool invalidArgumentIsUsage) {
  if (isStoreBusy(error)) return printError(storeBusyError(line.values["project"].as<std::string>(), error), line.json);
  int code = kExitFailure;
  if (error.code == ErrorCode::Schema || (invalidArgumentIsUsage && error.code == ErrorCode::InvalidArgument)) {
    code = kExitUsage;
  } else if (error.code == ErrorCode::Cancelled) {
    code = kExitCancelled;
  }
  return printError(error, line.json, code);
}

}  // namespace

StepCommand paramStepCommand(const std::string& step) {
  StepCommand command;
  command.step = step;
  command.takesParamOption = true;
  command.invalidArgumentIsUsage = true;
  command.cancelledText = step + " cancelled; committed work is kept";
  return command;
}

int runStepCommand(const CommandLine& line, const StepCommand& command) {
  nlohmann::json params = command.params;
  if (command.takesParamOption) {
    if (Status merged = mergeParamOption(line, params); !merged) return printError(merged.error(), line.json, kExitUsage);
  }
  // Files named on the command line are relative to the working folder: recorded absolute.
  if (const pipeline::StepDefinition* step = pipeline::findStep(command.step)) {
    for (const std::string& key : step->pathParams) {
      if (params.contains(key) && params[key].is_string() && !params[key].get<std::string>().empty()) {
        params[key] = std::filesystem::absolute(params[key].get<std::string>()).string();
      }
    }
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  pipeline::StepHost host = makeStepHost(listOption(line, "plugin-path"));
  if (command.checkNames) {
    if (Status known = command.checkNames(store, host, params); !known) {
      const bool lookupFailed = known.error().code == ErrorCode::Database || known.error().code == ErrorCode::Io;
      return printError(known.error(), line.json, lookupFailed ? kExitFailure : kExitUsage);
    }
  }
  job::JobContext job;
  pipeline::StepRunOptions options;
  options.store = &store;
  options.host = &host;
  options.provenance = command.provenance;
  auto result = pipeline::runStep(command.step, params, job, options);
  if (!result) return printStepError(result.error(), line, command.invalidArgumentIsUsage);
  const bool cancelled = result->cancelled();
  if (line.json) {
    printJson(result->summary);
  } else if (cancelled && !command.cancelledText.empty()) {
    std::cout << command.cancelledText << "\n";
  } else {
    // Names in the result print quoted and escaped when hostile.
    command.printText(*result, displayJson(result->summary));
  }
  if (cancelled) return kExitCancelled;
  const bool partial = command.partial ? command.partial(*result)
                                       : result->summary.value("failed", std::int64_t{0}) > 0;
  return partial ? kExitPartial : kExitOk;
}

int runOperation(const std::string& command, const CommandLine& line, nlohmann::json params,
                 const ProjectOperation& operation,
                 const std::function<void(const nlohmann::json&)>& printText) {
  if (Status merged = mergeParamOption(line, params); !merged) return printError(merged.error(), line.json, kExitUsage);
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  job::JobContext job;
  auto result = pipeline::runRecorded(store, command, params, [&](std::int64_t runId) -> Result<pipeline::StepResult> {
    auto summary = operation(store, params, job, runId);
    if (!summary) return summary.error();
    return pipeline::StepResult(std::move(summary).value());
  });
  if (!result) return printStepError(result.error(), line, /*invalidArgumentIsUsage=*/true);
  const bool cancelled = result->cancelled();
  if (line.json) {
    printJson(result->summary);
  } else if (cancelled) {
    std::cout << command << " cancelled; committed work is kept\n";
  } else {
    printText(displayJson(result->summary));  // names in the result print quoted and escaped when hostile
  }
  if (cancelled) return kExitCancelled;
  return result->summary.value("failed", std::int64_t{0}) > 0 ? kExitPartial : kExitOk;
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
