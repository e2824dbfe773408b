// Subcommands that work on a project's store: init, ingest, stats, samples, label, reject/restore,
// undo, decisions, runs.
#include <chrono>
#include <iostream>

#include "cli_support.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/report/summary_json.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/display_text.hpp"

namespace winnow::cli {

namespace {

Result<std::unique_ptr<store::ProjectStore>> openProject(const CommandLine& line) {
  return store::ProjectStore::open(line.values["project"].as<std::string>());
}

// Every status a sample can have (store and balance); `samples --status` checks against these.
// Copies whose user text (class, source names) prints safely through the report formatters.
std::vector<store::CountByKey> displayCounts(std::vector<store::CountByKey> counts) {
  for (auto& count : counts) count.key = displayText(count.key);
  return counts;
}

store::ProjectStats displayStats(store::ProjectStats stats) {
  stats.byLabel = displayCounts(std::move(stats.byLabel));
  stats.bySource = displayCounts(std::move(stats.bySource));
  stats.bySplit = displayCounts(std::move(stats.bySplit));
  stats.byStatus = displayCounts(std::move(stats.byStatus));
  std::map<std::string, std::map<std::string, std::int64_t>> labelBySource;
  for (const auto& [label, bySource] : stats.labelBySource) {
    for (const auto& [source, count] : bySource) labelBySource[displayText(label)][displayText(source)] = count;
  }
  stats.labelBySource = std::move(labelBySource);
  return stats;
}

ingest::IngestSummary displaySummary(ingest::IngestSummary summary) {
  summary.sourceName = displayText(summary.sourceName);
  std::map<std::string, std::int64_t> byLabel;
  for (const auto& [label, count] : summary.addedByLabel) byLabel[displayText(label)] = count;
  summary.addedByLabel = std::move(byLabel);
  return summary;
}

const std::vector<std::string> kSampleStatuses = {store::kStatusActive, store::kStatusRejected, store::kStatusDuplicate,
                                                  balance::kStatusBalancedOut};

}  // namespace

int commandInit(const std::vector<std::string>& args) {
  po::options_description options("init options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("init", "<project>", options, positional, args, line, exitCode)) {
    return exitCode;
  }
  auto created = store::ProjectStore::create(line.values["project"].as<std::string>());
  if (!created) return printError(created.error(), line.json);
  const auto& store = **created;
  if (line.json) {
    printJson({{"ok", true},
               {"project", store.projectDir().string()},
               {"schema_version", store.schemaVersion()}});
  } else {
    std::cout << "created project " << store.projectDir().string() << " (store schema v"
              << store.schemaVersion() << ")\n";
  }
  return kExitOk;
}

int commandIngest(const std::vector<std::string>& args) {
  po::options_description options("ingest options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "folder", po::value<std::string>()->required(), "folder to ingest")(
      "source", po::value<std::string>(), "source tag (default: the folder's name)")(
      "map", po::value<std::vector<std::string>>()->composing(),
      "class rule original=label, repeatable (e.g. --map without_mask=real)")(
      "layout", po::value<std::string>(),
      ("auto | class_folders | split_class_folders | flat" + defaultNote("ingest", "layout")).c_str())(
      "video-fps", po::value<double>(), ("video frames sampled per second" + defaultNote("ingest", "video_fps")).c_str())(
      "threads", po::value<int>(), ("decoder threads (0 = one per core)" + defaultNote("ingest", "threads")).c_str())(
      "labels-csv", po::value<std::string>(),
      "labels from a CSV with a header, filename,label as Kaggle ships them (file names relative to the "
      "folder, with or without extension); they replace folder names")(
      "thumbnail-side", po::value<int>(),
      ("side of the workbench thumbnail cached from ingest's decode (0 = none)" + defaultNote("ingest", "thumbnail_side"))
          .c_str())(
      "max-pixels", po::value<std::int64_t>(),
      ("refuse images declaring more pixels than this (today's phone photos pass)" + defaultNote("ingest", "max_pixels"))
          .c_str());
  po::positional_options_description positional;
  positional.add("project", 1).add("folder", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("ingest", "<project> <folder> [--source S] [--map a=b]... [--labels-csv F]", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  StepCommand command;
  command.step = "ingest";
  command.params = {{"path", line.values["folder"].as<std::string>()}};
  auto labelMap = parseTextPairs(listOption(line, "map"), "--map", "original=label");
  if (!labelMap) return printError(labelMap.error(), line.json, kExitUsage);
  if (!labelMap->empty()) command.params["map"] = *labelMap;
  if (line.values.count("source") && !line.values["source"].as<std::string>().empty()) {
    command.params["source"] = line.values["source"].as<std::string>();
  }
  if (line.values.count("layout")) command.params["layout"] = line.values["layout"].as<std::string>();
  if (line.values.count("video-fps")) command.params["video_fps"] = line.values["video-fps"].as<double>();
  if (line.values.count("threads")) command.params["threads"] = line.values["threads"].as<int>();
  if (line.values.count("max-pixels")) command.params["max_pixels"] = line.values["max-pixels"].as<std::int64_t>();
  if (line.values.count("labels-csv")) command.params["labels_csv"] = line.values["labels-csv"].as<std::string>();
  if (line.values.count("thumbnail-side")) command.params["thumbnail_side"] = line.values["thumbnail-side"].as<int>();
  command.partial = [](const pipeline::StepResult& result) {
    return !result.typed<ingest::IngestSummary>().badFiles.empty();
  };
  command.printText = [](const pipeline::StepResult& result, const nlohmann::json&) {
    const ingest::IngestSummary* summary = &result.typed<ingest::IngestSummary>();
    std::cout << report::formatIngestSummary(displaySummary(*summary));
    if (!summary->badFiles.empty()) {
      std::cout << summary->badFiles.size() << " bad files (kept out, recorded in the store):\n";
      for (const auto& bad : summary->badFiles) {
        std::cout << "  " << displayText(bad.path) << ": " << terminalSafeText(bad.reason, false) << "\n";
      }
    }
    if (!summary->fileWarnings.empty()) {
      std::cout << summary->fileWarnings.size() << " files ingested with a warning:\n";
      for (const auto& warned : summary->fileWarnings) {
        std::cout << "  " << displayText(warned.path) << ": " << terminalSafeText(warned.reason, false) << "\n";
      }
    }
  };
  return runStepCommand(line, command);
}

int commandStats(const std::vector<std::string>& args) {
  po::options_description options("stats options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("stats", "<project>", options, positional, args, line, exitCode)) {
    return exitCode;
  }
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  auto stats = (*opened)->stats();
  if (!stats) return printError(stats.error(), line.json);
  if (line.json) {
    printJson(report::toJson(*stats));
  } else {
    std::cout << report::formatStats(displayStats(*stats));
  }
  return kExitOk;
}

int commandSamples(const std::vector<std::string>& args) {
  po::options_description options("samples options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "class", po::value<std::string>(), "only this class")(
      "status", po::value<std::string>(), "only this status (active, rejected, duplicate, balanced_out)")(
      "split", po::value<std::string>(), "only this split (train, val, test)")(
      "limit", po::value<int>()->default_value(0), "at most this many (0 = all)");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("samples", "<project> [--class C] [--status S]", options, positional, args,
                        line, exitCode)) {
    return exitCode;
  }
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  store::SampleFilter filter;
  if (line.values.count("class")) filter.label = line.values["class"].as<std::string>();
  if (line.values.count("status")) filter.status = line.values["status"].as<std::string>();
  if (line.values.count("split")) filter.split = line.values["split"].as<std::string>();
  // A name that exists nowhere in the project is a typo, not an empty list.
  if (filter.label) {
    auto classes = projectClasses(**opened);
    if (!classes) return printError(classes.error(), line.json);
    Status known = checkKnownName("--class", "class", *filter.label, *classes, "classes in the project");
    if (!known) return printError(known.error(), line.json, kExitUsage);
  }
  if (filter.status) {
    Status known = checkKnownName("--status", "status", *filter.status, kSampleStatuses, "statuses");
    if (!known) return printError(known.error(), line.json, kExitUsage);
  }
  if (filter.split) {
    auto splits = projectSplits(**opened);
    if (!splits) return printError(splits.error(), line.json);
    Status known = checkKnownName("--split", "split", *filter.split, *splits, "splits");
    if (!known) return printError(known.error(), line.json, kExitUsage);
  }
  auto samples = (*opened)->listSamples(filter);
  if (!samples) return printError(samples.error(), line.json);
  const int limit = line.values["limit"].as<int>();
  nlohmann::json list = nlohmann::json::array();
  int shown = 0;
  for (const auto& sample : *samples) {
    if (limit > 0 && shown++ >= limit) break;
    if (line.json) {
      list.push_back({{"id", sample.id},
                      {"label", sample.label ? nlohmann::json(*sample.label) : nlohmann::json()},
                      {"original_label", sample.originalLabel},
                      {"source", sample.sourceName},
                      {"split", sample.split},
                      {"status", sample.status},
                      {"width", sample.width},
                      {"height", sample.height},
                      {"format", sample.format},
                      {"exif_orientation", sample.exifOrientation},
                      {"content_hash", sample.contentHash},
                      {"path", sample.originalPath}});
    } else {
      std::cout << sample.id << "\t" << (sample.label ? displayText(*sample.label) : "-") << "\t"
                << displayText(sample.sourceName) << "\t" << (sample.split.empty() ? "-" : displayText(sample.split))
                << "\t" << displayText(sample.status) << "\t" << sample.width << "x" << sample.height << "\t"
                << displayText(sample.originalPath) << "\n";
    }
  }
  if (line.json) printJson(list);
  return kExitOk;
}

namespace {

// Applies one decision to each sample id in one transaction: a kill or a locked store leaves
// none of them applied (a killed `label` of 250 ids once left 195 applied). An id that cannot
// take the decision (no such sample) is reported and the others are still applied.
// A locked store stops it with exit 1 (failed), not 3: the ids were fine.
int applyToSamples(store::ProjectStore& store, const std::string& project, const std::vector<std::int64_t>& ids,
                   const std::string& field, const std::optional<std::string>& value,
                   const std::string& reason, bool json, const std::string& command) {
  // The run records what was asked, as parameters (never the raw command line).
  const nlohmann::json params = {{"ids", ids}, {field, value ? nlohmann::json(*value) : nlohmann::json()}, {"reason", reason}};
  auto begun = store.beginRun(command, compactJson(params));
  if (!begun && isStoreBusy(begun.error())) return printError(storeBusyError(project, begun.error()), json);
  const std::optional<std::int64_t> runId = begun ? std::optional<std::int64_t>(*begun) : std::nullopt;
  int failures = 0;
  nlohmann::json changed = nlohmann::json::array();
  auto begunTransaction = store.beginTransaction();
  if (!begunTransaction) {
    if (isStoreBusy(begunTransaction.error())) return printError(storeBusyError(project, begunTransaction.error()), json);
    return printError(begunTransaction.error(), json);
  }
  store::ProjectStore::Transaction transaction = std::move(begunTransaction.value());
  for (std::int64_t id : ids) {
    Status status = store.applyDecision(id, field, value, "user:cli", reason, runId);
    if (!status && isStoreBusy(status.error())) {
      // Not a bad input: the store is busy. Nothing is applied (the transaction rolls back).
      return printError(storeBusyError(project, status.error()), json);
    }
    if (!status) {
      ++failures;
      std::cerr << "error: " << status.error().message << "\n";
    } else {
      changed.push_back(id);
    }
  }
  if (Status committed = transaction.commit(); !committed) {
    if (isStoreBusy(committed.error())) return printError(storeBusyError(project, committed.error()), json);
    return printError(committed.error(), json);
  }
  if (runId) {
    (void)store.finishRun(*runId, failures == 0 ? "ok" : "failed",
                          compactJson({{"changed", changed}, {"failures", failures}}));
  }
  if (json) {
    printJson({{"ok", failures == 0}, {"changed", changed}, {"failures", failures}});
  } else {
    std::cout << field << " set on " << changed.size() << " samples";
    if (failures) std::cout << ", " << failures << " failed";
    std::cout << "\n";
  }
  return failures == 0 ? kExitOk : kExitPartial;
}

}  // namespace

int commandLabel(const std::vector<std::string>& args) {
  po::options_description options("label options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "class", po::value<std::string>()->required(), "class to assign")(
      "ids", po::value<std::vector<std::int64_t>>()->required(), "sample ids")(
      "reason", po::value<std::string>()->default_value("relabelled from the CLI"), "why")(
      "new-class", "allow a class no sample of the project has yet (else a typo would create one)");
  po::positional_options_description positional;
  positional.add("project", 1).add("class", 1).add("ids", -1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("label", "<project> <class> <sample-id>... [--new-class]", options, positional, args,
                        line, exitCode)) {
    return exitCode;
  }
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  const std::string className = line.values["class"].as<std::string>();
  if (className.empty()) {
    return printError(makeError(ErrorCode::InvalidArgument, "label: the class name is empty"), line.json, kExitUsage);
  }
  if (!line.values.count("new-class")) {
    auto classes = projectClasses(**opened);
    if (!classes) return printError(classes.error(), line.json);
    Status known = checkKnownName("", "class", className, *classes, "classes in the project");
    if (!known) {
      return printError(makeError(ErrorCode::InvalidArgument,
                                  known.error().message + "; to create class '" + className + "', add --new-class"),
                        line.json, kExitUsage);
    }
  }
  return applyToSamples(**opened, line.values["project"].as<std::string>(),
                        line.values["ids"].as<std::vector<std::int64_t>>(), "label", className,
                        line.values["reason"].as<std::string>(), line.json, "label");
}

int commandSetStatus(const std::vector<std::string>& args, const std::string& status) {
  const std::string command = status == "rejected" ? "reject" : "restore";
  po::options_description options(command + " options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "ids", po::value<std::vector<std::int64_t>>()->required(), "sample ids")(
      "reason", po::value<std::string>()->default_value(command + "ed from the CLI"), "why");
  po::positional_options_description positional;
  positional.add("project", 1).add("ids", -1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine(command, "<project> <sample-id>...", options, positional, args, line,
                        exitCode)) {
    return exitCode;
  }
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  return applyToSamples(**opened, line.values["project"].as<std::string>(),
                        line.values["ids"].as<std::vector<std::int64_t>>(), "status",
                        status, line.values["reason"].as<std::string>(), line.json, command);
}

int commandUndo(const std::vector<std::string>& args) {
  po::options_description options("undo options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "count,n", po::value<int>()->default_value(1), "how many decisions to undo");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("undo", "<project> [-n N]", options, positional, args, line, exitCode)) {
    return exitCode;
  }
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  auto undone = (*opened)->undoLast(line.values["count"].as<int>(), "user:cli");
  if (!undone && isStoreBusy(undone.error())) {
    return printError(storeBusyError(line.values["project"].as<std::string>(), undone.error()), line.json);
  }
  if (!undone) return printError(undone.error(), line.json);
  if (line.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& decision : *undone) list.push_back(report::toJson(decision));
    printJson({{"ok", true}, {"undone", list}});
  } else {
    if (undone->empty()) std::cout << "nothing to undo\n";
    for (const auto& decision : *undone) {
      std::cout << "undid decision " << decision.id << ": sample " << decision.sampleId << " "
                << decision.field << " back to " << (decision.oldValue ? displayText(*decision.oldValue) : "(none)")
                << "\n";
    }
  }
  return kExitOk;
}

namespace {

// `<project> [--limit N]` of a listing command (newest first); false when the command should exit
// with exitCode (help shown, or a usage error printed).
bool parseListing(const char* command, const std::vector<std::string>& args, CommandLine& line, int& exitCode) {
  po::options_description options(std::string(command) + " options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "limit", po::value<int>()->default_value(20), "how many, newest first");
  po::positional_options_description positional;
  positional.add("project", 1);
  return parseCommandLine(command, "<project> [--limit N]", options, positional, args, line, exitCode);
}

}  // namespace

int commandDecisions(const std::vector<std::string>& args) {
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseListing("decisions", args, line, exitCode)) return exitCode;
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  auto decisions = (*opened)->listDecisions(line.values["limit"].as<int>());
  if (!decisions) return printError(decisions.error(), line.json);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& decision : *decisions) {
    if (line.json) {
      list.push_back(report::toJson(decision));
    } else {
      std::cout << decision.id << "\t" << decision.createdAt << "\t" << displayText(decision.actor)
                << "\tsample " << decision.sampleId << "\t" << decision.field << ": "
                << (decision.oldValue ? displayText(*decision.oldValue) : "(none)") << " -> "
                << (decision.newValue ? displayText(*decision.newValue) : "(none)") << "\t"
                << displayText(decision.reason) << (decision.undone ? "\t[undone]" : "") << "\n";
    }
  }
  if (line.json) printJson(list);
  return kExitOk;
}

int commandRuns(const std::vector<std::string>& args) {
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseListing("runs", args, line, exitCode)) return exitCode;
  auto opened = openProject(line);
  if (!opened) return printError(opened.error(), line.json);
  auto runs = (*opened)->listRuns(line.values["limit"].as<int>());
  if (!runs) return printError(runs.error(), line.json);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& run : *runs) {
    if (line.json) {
      list.push_back({{"id", run.id},
                      {"command", run.command},
                      {"parameters", nlohmann::json::parse(run.parametersJson, nullptr, false)},
                      {"started_at", run.startedAt},
                      {"finished_at", run.finishedAt},
                      {"outcome", run.outcome},
                      {"summary", nlohmann::json::parse(run.summaryJson, nullptr, false)}});
    } else {
      std::cout << run.id << "\t" << run.startedAt << "\t" << run.outcome << "\t" << displayText(run.command)
                << "\t" << displayText(run.parametersJson);
      if (run.outcome == "interrupted") {
        const auto summary = nlohmann::json::parse(run.summaryJson, nullptr, false);
        if (summary.is_object() && summary.contains("error") && summary["error"].is_string()) {
          std::cout << "\t" << displayText(summary["error"].get<std::string>());
        }
      }
      std::cout << "\n";
    }
  }
  if (line.json) printJson(list);
  return kExitOk;
}

int commandCheck(const std::vector<std::string>& args) {
  po::options_description options("check options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("check", "<project>", options, positional, args, line, exitCode)) {
    return exitCode;
  }
  const std::string project = line.values["project"].as<std::string>();
  // Inspect: read only; no quick check refusing the store, no migration, no run recorded.
  auto opened = store::ProjectStore::open(project, store::OpenMode::Inspect);
  if (!opened) return printError(opened.error(), line.json);
  const auto started = std::chrono::steady_clock::now();
  auto report = (*opened)->checkIntegrity();
  if (!report) return printError(report.error(), line.json);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string database = ((*opened)->projectDir() / store::ProjectStore::kDatabaseFileName).string();
  if (line.json) {
    printJson({{"ok", report->ok},
               {"database", database},
               {"problems", report->problems},
               {"foreign_key_violations", report->foreignKeyViolations},
               {"seconds", seconds}});
  } else if (report->ok) {
    std::cout << displayText(database) << ": ok (integrity_check and foreign_key_check passed in "
              << formatNumber(seconds, 2) << " s)\n";
  } else {
    std::cout << displayText(database) << ": database is corrupt: " << report->problems.size() << " problems";
    if (report->foreignKeyViolations > 0) std::cout << " (" << report->foreignKeyViolations << " foreign key violations)";
    std::cout << "; restore it from a backup\n";
    for (const auto& problem : report->problems) std::cout << "  " << displayText(problem) << "\n";
  }
  return report->ok ? kExitOk : kExitFailure;
}

}  // namespace winnow::cli
