// Curation subcommands: quality flags, flagged-sample lists, the merge/class report, the shortcut
// audit and suspected mislabels. Thin: parse, call core, print.
#include "curation_commands.hpp"

#include <cstdio>
#include <functional>
#include <iostream>

#include "cli_support.hpp"
#include "winnow/audit/class_report.hpp"
#include "winnow/audit/mislabel_finder.hpp"
#include "winnow/audit/shortcut_audit.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

using Operation = std::function<Result<nlohmann::json>(
    store::ProjectStore&, plugin::PluginHost&, const nlohmann::json&, job::JobContext&,
    std::optional<std::int64_t>)>;

std::string number(double value, int decimals = 2) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void addParamOption(po::options_description& options) {
  options.add_options()("param,p", po::value<std::vector<std::string>>()->composing(),
                        "step parameter key=value, repeatable (see schemas/steps/<command>.schema.json)");
}

// Opens the project, records a run, runs `operation` with the --param values merged over
// `params`, prints the result (JSON or via `printText`) and returns the exit code.
int runOperation(const std::string& command, const CommandLine& line, nlohmann::json params,
                 const Operation& operation,
                 const std::function<void(const nlohmann::json&)>& printText) {
  if (line.values.count("param")) {
    auto extra = parseKeyValues(line.values["param"].as<std::vector<std::string>>(), "--param");
    if (!extra) return printError(extra.error(), line.json, kExitUsage);
    params.update(*extra);
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  plugin::PluginHost host;
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

}  // namespace

int commandQuality(const std::vector<std::string>& args) {
  po::options_description options("quality options");
  addParamOption(options);
  options.add_options()("threads", po::value<int>(), "decoder threads (0 = one per core)")(
      "recompute", "measure every sample again");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("quality", "<project> [-p blur_threshold=60]...", options, args, line,
                           exitCode)) {
    return exitCode;
  }
  nlohmann::json params = nlohmann::json::object();
  if (line.values.count("threads")) params["threads"] = line.values["threads"].as<int>();
  if (line.values.count("recompute")) params["recompute"] = true;
  return runOperation("quality", line, params, quality::runQuality, [](const nlohmann::json& r) {
    std::cout << "measured " << r.at("measured") << " samples (" << r.at("already_measured")
              << " already measured, " << r.at("failed") << " unreadable)\n";
    if (!r.at("faces_present").get<bool>()) {
      std::cout << "no face detections in the project: no_face / several_faces not evaluated\n";
    }
    std::cout << "flags (threshold):\n";
    for (const auto& name : quality::qualityFlagNames()) {
      const auto& worst = r.at("worst").at(name);
      std::cout << "  " << name << ": " << r.at("flags").at(name);
      if (!worst.empty()) {
        std::cout << "   worst:";
        for (const auto& example : worst) {
          std::cout << " #" << example.at("id") << "=" << number(example.at("value").get<double>());
        }
      }
      std::cout << "\n";
    }
    std::cout << "list them with: winnow flagged <project> --flag <name>\n";
  });
}

int commandFlagged(const std::vector<std::string>& args) {
  po::options_description options("flagged options");
  options.add_options()("flag", po::value<std::string>(), "samples carrying this flag (blurry, too_dark, ...)")(
      "measure", po::value<std::string>(), "instead: all samples, by this measure (blur, mislabel_score, ...)")(
      "sort", po::value<std::string>()->default_value("value"), "value (ascending) or -value (descending)")(
      "limit", po::value<int>()->default_value(50), "at most this many (0 = all)");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("flagged", "<project> --flag blurry | --measure blur [--sort -value]",
                           options, args, line, exitCode)) {
    return exitCode;
  }
  const bool byFlag = line.values.count("flag") > 0;
  if (byFlag == (line.values.count("measure") > 0)) {
    return printError(makeError(ErrorCode::InvalidArgument, "flagged: give exactly one of --flag and --measure"),
                      line.json, kExitUsage);
  }
  const std::string sort = line.values["sort"].as<std::string>();
  if (sort != "value" && sort != "-value") {
    return printError(makeError(ErrorCode::InvalidArgument, "--sort '" + sort + "': expected value or -value"),
                      line.json, kExitUsage);
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  const int limit = line.values["limit"].as<int>();
  const std::string name = line.values[byFlag ? "flag" : "measure"].as<std::string>();
  auto list = byFlag ? quality::listFlagged(**opened, name, sort == "-value", limit)
                     : quality::listByMeasure(**opened, name, sort == "-value", limit);
  if (!list) return printError(list.error(), line.json);
  if (line.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : *list) {
      nlohmann::json entry = {{"id", row.sampleId},
                              {"value", row.value},
                              {"label", row.label ? nlohmann::json(*row.label) : nlohmann::json()},
                              {"source", row.source},
                              {"status", row.status},
                              {"path", row.path}};
      if (row.threshold) entry["threshold"] = *row.threshold;
      rows.push_back(entry);
    }
    printJson({{byFlag ? "flag" : "measure", name}, {"samples", rows}});
  } else {
    for (const auto& row : *list) {
      std::cout << row.sampleId << "\t" << number(row.value, 3) << "\t" << row.label.value_or("-")
                << "\t" << row.source << "\t" << row.status << "\t" << row.path << "\n";
    }
    if (list->empty()) std::cout << "no samples with " << (byFlag ? "flag " : "measure ") << name << "\n";
  }
  return kExitOk;
}

int commandReport(const std::vector<std::string>& args) {
  po::options_description options("report options");
  addParamOption(options);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("report", "<project> [-p source_dominance=0.9]", options, args, line, exitCode)) {
    return exitCode;
  }
  return runOperation("report", line, nlohmann::json::object(), audit::runReport,
                      [](const nlohmann::json& r) { std::cout << audit::formatClassReport(r); });
}

int commandAudit(const std::vector<std::string>& args) {
  po::options_description options("audit options");
  addParamOption(options);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("audit", "<project> [-p auc_threshold=0.85] [-p folds=5]", options, args,
                           line, exitCode)) {
    return exitCode;
  }
  return runOperation("audit", line, nlohmann::json::object(), audit::runAudit, [](const nlohmann::json& r) {
    std::cout << "shortcut audit: " << r.at("samples") << " active labelled samples, "
              << r.at("classes").size() << " classes; chance: AUC 0.50, balanced accuracy "
              << number(r.at("baseline").at("balanced_accuracy").get<double>()) << "\n";
    for (const auto& property : r.at("properties")) {
      std::cout << (property.at("flagged").get<bool>() ? "  SHORTCUT " : "  ok       ")
                << property.at("explanation").get<std::string>() << "\n";
    }
    for (const auto& skipped : r.at("skipped")) {
      std::cout << "  skipped  " << skipped.at("name").get<std::string>() << ": "
                << skipped.at("reason").get<std::string>() << "\n";
    }
    for (const auto& note : r.at("notes")) std::cout << "note: " << note.get<std::string>() << "\n";
    std::cout << (r.at("flagged").empty() ? "no property alone predicts the label\n"
                                           : std::to_string(r.at("flagged").size()) +
                                                 " likely shortcut(s): " + r.at("flagged").dump() + "\n");
  });
}

int commandMislabels(const std::vector<std::string>& args) {
  po::options_description options("mislabels options");
  addParamOption(options);
  options.add_options()("top", po::value<int>(), "show this many (default 20)");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("mislabels", "<project> [--top N] [-p k=10] [-p extractor=NAME]", options,
                           args, line, exitCode)) {
    return exitCode;
  }
  nlohmann::json params = nlohmann::json::object();
  if (line.values.count("top")) params["top"] = line.values["top"].as<int>();
  return runOperation("mislabels", line, params, audit::runMislabels, [](const nlohmann::json& r) {
    std::cout << "suspected mislabels (feature " << r.at("feature").get<std::string>() << ", k="
              << r.at("k") << ", " << r.at("folds") << " folds, " << r.at("samples") << " samples; "
              << r.at("suspects") << " with most neighbours disagreeing)\n";
    std::cout << "id\tscore\tlabel\tsuggested\tpath\n";
    for (const auto& row : r.at("ranked")) {
      std::cout << row.at("id") << "\t" << number(row.at("score").get<double>()) << "\t"
                << row.at("label").get<std::string>() << "\t"
                << (row.at("suggested_label").is_null() ? std::string("-")
                                                        : row.at("suggested_label").get<std::string>())
                << "\t" << row.at("path").get<std::string>() << "\n";
    }
  });
}

}  // namespace winnow::cli
