// Shared plumbing of the winnow CLI: exit codes, output in text or --json, option parsing for
// one subcommand, and the plugin host set-up. Commands stay thin: parse, call core, print.
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::cli {

// Exit codes (documented in docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // the command failed; message on stderr
  kExitUsage = 2,         // bad command line
  kExitPartial = 3,       // finished, but some inputs were bad (reported one per line)
  kExitCancelled = 130,   // cancelled with Ctrl-C; committed work is kept
};

namespace po = boost::program_options;

struct CommandLine {
  std::vector<std::string> args;  // after the subcommand name
  po::variables_map values;
  bool json = false;
};

// Parses args with `options` (+ --help, --json) and `positional`. Prints help and returns
// false with exitCode set when parsing fails or --help was given.
bool parseCommandLine(const std::string& command, const std::string& usage,
                      po::options_description& options,
                      const po::positional_options_description& positional,
                      const std::vector<std::string>& args, CommandLine& out, int& exitCode);

// Prints "error: <message>" (and the detail) on stderr, {"ok":false,...} on stdout with --json.
// A store that another process holds locked always gives kExitFailure, whatever exitCode says.
int printError(const Error& error, bool json, int exitCode = kExitFailure);
// Invalid UTF-8 in a string (a file name, a class folder) is printed as U+FFFD, never thrown.
void printJson(const nlohmann::json& document);

// One-line JSON for the store (run parameters and summaries); invalid UTF-8 becomes U+FFFD
// instead of throwing.
std::string compactJson(const nlohmann::json& document);

// Output is made terminal-safe (winnow/util/display_text.hpp): parseCommandLine routes std::cerr,
// and std::cout unless `json`, through a filter that escapes control characters other than
// newline and tab, bytes that are not UTF-8 and bidi overrides, so no name can recolour the
// terminal or hide text. Fields that hold user text are also printed through displayText(), which
// quotes a name that needs escaping so it cannot forge a line or a column. Idempotent.
void protectTerminalOutput(bool json);
// `document` with every string value and object key passed through displayText(), for printing
// a JSON result as text.
nlohmann::json displayJson(const nlohmann::json& document);

// True when the error is SQLite's "database is locked" / busy: another process holds the store.
bool isStoreBusy(const Error& error);
// The error to print for a busy store: names the project and says what to do.
Error storeBusyError(const std::string& project, const Error& cause);

// Value checks: every name a user types is checked against the names that exist, and an unknown
// one is an InvalidArgument error of one line with "did you mean" (winnow/util/name_suggestion).
// Classes of the project's samples (any status; unlabelled not included), sorted.
Result<std::vector<std::string>> projectClasses(store::ProjectStore& store);
// train, val, test and any other split name the project's samples carry.
Result<std::vector<std::string>> projectSplits(store::ProjectStore& store);
// Ids of the loaded capabilities of one kind (exporter formats, detectors, ...), sorted.
std::vector<std::string> capabilityIds(const plugin::PluginHost& host, plugin::CapabilityKind kind);
// Ok when `typed` is one of `known`; else InvalidArgument "<option> <unknownNameMessage>".
Status checkKnownName(const std::string& option, const std::string& kind, const std::string& typed,
                      const std::vector<std::string>& known, const std::string& knownLabel);
// Detectors a --detector / --face-crops option may name for stored faces: the loaded detector
// capabilities and every detector that has already run on the project.
Result<std::vector<std::string>> knownDetectors(store::ProjectStore& store, const plugin::PluginHost& host);
// checkKnownName against the loaded capabilities of `kind`.
Status checkCapability(const plugin::PluginHost& host, plugin::CapabilityKind kind, const std::string& option,
                       const std::string& typed);

// Discovers plugins in --plugin-path folders (if any) then the default folders. parseCommandLine
// has already refused --plugin-path folders that do not exist.
// Plugins' messages go to the one logger (winnow/log/log.hpp), whose console parseCommandLine set
// up from --json and --verbose.
plugin::PluginHost makePluginHost(const std::vector<std::string>& extraFolders);
// The same host for steps, discovered only on first use (a step without plugins never reads a
// manifest); its plugins' cancellation poll follows the running step's job (and Ctrl-C).
pipeline::StepHost makeStepHost(const std::vector<std::string>& extraFolders);

// key=value pairs ("image_size=64") into a JSON object; values parse as JSON when they can
// ("64" -> 64, "true" -> true), else as strings.
Result<nlohmann::json> parseKeyValues(const std::vector<std::string>& pairs, const char* what);

// "key=text" pairs (--map a=b, --name 2=Alice) with the text kept verbatim; an empty key or text,
// or a missing '=', is an error "<what> '<pair>': expected <shape>".
Result<std::map<std::string, std::string>> parseTextPairs(const std::vector<std::string>& pairs, const char* what,
                                                         const char* shape);

// key=value options and project-operation plumbing shared by the subcommands.
std::vector<std::string> listOption(const CommandLine& line, const char* name);
std::string formatNumber(double value, int decimals = 2);
// Adds -p/--param key=value (repeatable) for a step's parameters.
void addParamOption(po::options_description& options);
// " (default X)" for an option's help: the default of the step's parameter, from its schema (the
// only place defaults live); "" when it has none.
std::string defaultNote(const std::string& step, const std::string& key);
// Adds the positional <project> and parses.
bool parseProjectCommand(const std::string& command, const std::string& usage,
                         po::options_description& options, const std::vector<std::string>& args,
                         CommandLine& line, int& exitCode);

// A command that runs a step of the registry (pipeline::runStep) on the project of the command
// line: the step validates the params once, records the run with them normalised, and binds the
// job to its plugins' cancellation.
struct StepCommand {
  std::string step;
  nlohmann::json params = nlohmann::json::object();  // from the command's options
  bool takesParamOption = false;  // -p key=value pairs are step params, merged over `params`
  // Checks of names typed on the command line (classes, detectors, capabilities) before anything
  // runs or is recorded; an unknown name is a usage error (exit 2).
  std::function<Status(store::ProjectStore&, pipeline::StepHost&, const nlohmann::json& params)> checkNames;
  // Text output (--json prints the summary). `shown` is the summary through displayJson.
  std::function<void(const pipeline::StepResult& result, const nlohmann::json& shown)> printText;
  std::string cancelledText;  // printed instead of printText when cancelled; "" = printText says it
  // Exit 3 (finished, some inputs bad); default: the summary's "failed" count above 0.
  std::function<bool(const pipeline::StepResult&)> partial;
  // An InvalidArgument error from the step is a usage error (exit 2) rather than a failure.
  bool invalidArgumentIsUsage = false;
  nlohmann::json provenance = nlohmann::json::object();
};
// The usual step command: -p pairs are the step's params, an InvalidArgument from the step is a
// usage error, and "<step> cancelled; committed work is kept" is printed when it was cancelled.
StepCommand paramStepCommand(const std::string& step);
// Parses -p (when taken), opens the project, checks names, runs the step, prints and returns the
// exit code: 2 for params the step's schema refuses, 130 when cancelled, 3 when partial.
int runStepCommand(const CommandLine& line, const StepCommand& command);

// Commands that are not steps but record a run (identities, suggest, accept).
using ProjectOperation = std::function<Result<nlohmann::json>(store::ProjectStore&, const nlohmann::json&,
                                                              job::JobContext&, std::optional<std::int64_t>)>;
// Opens the project, records a run (pipeline::runRecorded), runs `operation` with the --param values
// merged over `params`, prints the result (JSON, or via `printText`, which gets it through
// displayJson) and returns the exit code (3 when some inputs failed).
int runOperation(const std::string& command, const CommandLine& line, nlohmann::json params,
                 const ProjectOperation& operation,
                 const std::function<void(const nlohmann::json&)>& printText);

using CommandFunction = std::function<int(const std::vector<std::string>&)>;

int commandInit(const std::vector<std::string>& args);
int commandIngest(const std::vector<std::string>& args);
int commandStats(const std::vector<std::string>& args);
int commandUndo(const std::vector<std::string>& args);
int commandLabel(const std::vector<std::string>& args);
int commandSetStatus(const std::vector<std::string>& args, const std::string& status);
int commandDecisions(const std::vector<std::string>& args);
int commandRuns(const std::vector<std::string>& args);
int commandCheck(const std::vector<std::string>& args);
int commandSamples(const std::vector<std::string>& args);
int commandPlugins(const std::vector<std::string>& args);
int commandExport(const std::vector<std::string>& args);
int commandRun(const std::vector<std::string>& args);

}  // namespace winnow::cli
