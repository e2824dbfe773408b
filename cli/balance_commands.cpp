// Subcommands that balance classes and split a project: balance, split.
#include "balance_commands.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_support.hpp"
#include "winnow/balance/dataset_balancer.hpp"
#include "winnow/split/dataset_splitter.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {
namespace {


// Runs one operation inside a recorded run (finishRun with the summary or the error).
int runRecorded(const std::string& command, const std::vector<std::string>& args, const CommandLine& line,
                store::ProjectStore& store,
                const std::function<Result<nlohmann::json>(std::optional<std::int64_t>)>& operation,
                nlohmann::json& summaryOut) {
  auto runId = store.beginRun(command, nlohmann::json(args).dump());
  std::optional<std::int64_t> id;
  if (runId) id = *runId;
  auto summary = operation(id);
  if (!summary) {
    if (id) (void)store.finishRun(*id, "failed", nlohmann::json{{"error", summary.error().message}}.dump());
    return printError(summary.error(), line.json);
  }
  const bool cancelled = summary->value("cancelled", false);
  if (id) (void)store.finishRun(*id, cancelled ? "cancelled" : "ok", summary->dump());
  summaryOut = std::move(summary).value();
  return cancelled ? kExitCancelled : kExitOk;
}

std::string percent(double ratio) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << ratio * 100.0 << "%";
  return out.str();
}

}  // namespace

int commandBalance(const std::vector<std::string>& args) {
  po::options_description options("balance options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "balancer,b", po::value<std::string>()->default_value("target_count"),
      "balancer capability id (target_count, class_weights)")(
      "param,p", po::value<std::vector<std::string>>()->composing(),
      "balancer parameter key=value (repeatable), e.g. -p target=largest")(
      "augmenter,a", po::value<std::string>()->default_value("chain"),
      "augmenter capability id for augmented children")(
      "augmenter-param", po::value<std::vector<std::string>>()->composing(),
      "augmenter parameter key=value (repeatable)")(
      "scope", po::value<std::string>()->default_value("train"),
      "train: only split train (everything while no split exists; children then go to train with their "
      "parent's group); all: also val/test samples, whose children stay in val/test")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed of the plan and augmentations")(
      "dry-run", "print the plan; change nothing")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(),
      "extra plugin folder, searched first (repeatable; also WINNOW_PLUGIN_PATH)");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("balance", "<project> [--balancer target_count] [-p key=value]...", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  auto balancerParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!balancerParams) return printError(balancerParams.error(), line.json, kExitUsage);
  auto augmenterParams = parseKeyValues(listOption(line, "augmenter-param"), "--augmenter-param");
  if (!augmenterParams) return printError(augmenterParams.error(), line.json, kExitUsage);
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  plugin::PluginHost host = makePluginHost(listOption(line, "plugin-path"), line.json);
  for (const auto& [option, kind] : {std::pair{"balancer", plugin::CapabilityKind::Balancer},
                                     std::pair{"augmenter", plugin::CapabilityKind::Augmenter}}) {
    Status known = checkCapability(host, kind, std::string("--") + option, line.values[option].as<std::string>());
    if (!known) return printError(known.error(), line.json, kExitUsage);
  }
  if (balancerParams->contains("target_class") && (*balancerParams)["target_class"].is_string()) {
    auto classes = projectClasses(store);
    if (!classes) return printError(classes.error(), line.json);
    Status known = checkKnownName("-p target_class", "class", (*balancerParams)["target_class"].get<std::string>(),
                                  *classes, "classes in the project");
    if (!known) return printError(known.error(), line.json, kExitUsage);
  }
  const nlohmann::json params = {{"balancer", line.values["balancer"].as<std::string>()},
                                 {"params", *balancerParams},
                                 {"augmenter", line.values["augmenter"].as<std::string>()},
                                 {"augmenter_params", *augmenterParams},
                                 {"scope", line.values["scope"].as<std::string>()},
                                 {"seed", line.values["seed"].as<std::uint64_t>()},
                                 {"dry_run", line.values.count("dry-run") > 0}};
  job::JobContext job(progressStyle(line.json));
  nlohmann::json summary;
  const int code = runRecorded("balance", args, line, store,
                               [&](std::optional<std::int64_t> runId) {
                                 return balance::runBalance(store, host, params, job, runId);
                               },
                               summary);
  if (summary.is_null()) return code;
  if (line.json) {
    printJson(summary);
    return code;
  }
  std::cout << (summary["dry_run"].get<bool>() ? "plan (dry run, nothing changed)" : "balanced")
            << " with " << summary["balancer"].get<std::string>() << ":\n";
  for (const auto& entry : summary["classes"]) {
    std::cout << "  " << entry["class"].get<std::string>() << ": " << entry["action"].get<std::string>()
              << ", " << entry["before"] << " -> " << entry["after"] << " (target " << entry["target"]
              << ", loss weight " << entry["loss_weight"] << ")";
    if (entry["removed"].get<std::int64_t>() > 0) std::cout << ", " << entry["removed"] << " balanced out";
    if (entry["added"].get<std::int64_t>() > 0) std::cout << ", " << entry["added"] << " augmented";
    if (entry["reactivated"].get<std::int64_t>() > 0) std::cout << ", " << entry["reactivated"] << " restored";
    if (entry["failed"].get<std::int64_t>() > 0) std::cout << ", " << entry["failed"] << " failed";
    std::cout << "\n";
  }
  if (summary.contains("augmented_by_split") && !summary["augmented_by_split"].empty()) {
    std::cout << "augmented children by split:";
    const auto& bySplit = summary["augmented_by_split"];
    for (auto it = bySplit.begin(); it != bySplit.end(); ++it) std::cout << " " << it.key() << " " << it.value();
    std::cout << "\n";
  }
  for (const auto& note : summary.value("notes", nlohmann::json::array())) {
    std::cout << "note: " << note.get<std::string>() << "\n";
  }
  if (code == kExitCancelled) std::cout << "cancelled; committed children are kept\n";
  return code == kExitOk && summary.value("failed", 0) > 0 ? kExitPartial : code;
}

int commandSplit(const std::vector<std::string>& args) {
  po::options_description options("split options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "ratios,r", po::value<std::string>()->default_value("70,15,15"),
      "train,val,test: 3 non-negative numbers summing to 100 (or 1), e.g. 70,15,15 or 80,0,20")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed of the tie-breaks")(
      "burst-seconds", po::value<double>()->default_value(5.0),
      "photos of one source this close in capture time stay together (0 = off)")(
      "original-split", po::value<std::string>()->default_value("keep"),
      "keep: samples from train/valid/test folders keep their shipped split (missing splits are carved "
      "from shipped train); ignore: re-split everything by the ratios")(
      "augmented", po::value<std::string>()->default_value("train_only"),
      "train_only: augmented samples only go to train; any: like real samples (may land in val/test)")(
      "face-crops", po::value<std::string>(),
      "split only samples with a face crop of this detector (what `export --face-crops` writes)");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("split", "<project> [--ratios 70,15,15] [--seed S] [--original-split keep|ignore]", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  auto usageError = [&](const std::string& message) {
    return printError(makeError(ErrorCode::InvalidArgument, message), line.json, kExitUsage);
  };
  const std::string ratioText = line.values["ratios"].as<std::string>();
  std::vector<double> ratioValues;
  {
    std::stringstream stream(ratioText);
    std::string part;
    while (std::getline(stream, part, ',')) {
      try {
        std::size_t used = 0;
        const double value = std::stod(part, &used);
        if (used != part.size()) throw std::invalid_argument(part);
        ratioValues.push_back(value);
      } catch (const std::exception&) {
        return usageError("--ratios: '" + part + "' in '" + ratioText + "' is not a number");
      }
    }
  }
  if (auto checked = split::normalizedRatios(ratioValues); !checked) {
    return usageError("--ratios: " + checked.error().message);
  }
  const std::string originalSplit = line.values["original-split"].as<std::string>();
  if (originalSplit != "keep" && originalSplit != "ignore") {
    return usageError("--original-split: '" + originalSplit + "' is not keep or ignore");
  }
  const std::string augmented = line.values["augmented"].as<std::string>();
  if (augmented != "train_only" && augmented != "any") {
    return usageError("--augmented: '" + augmented + "' is not train_only or any");
  }
  nlohmann::json params = {{"ratios", ratioValues},
                           {"seed", line.values["seed"].as<std::uint64_t>()},
                           {"burst_seconds", line.values["burst-seconds"].as<double>()},
                           {"original_split", originalSplit},
                           {"augmented", augmented}};
  if (line.values.count("face-crops")) params["face_crops"] = line.values["face-crops"].as<std::string>();
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  plugin::PluginHost host;  // split uses no plugins
  job::JobContext job(progressStyle(line.json));
  nlohmann::json summary;
  const int code = runRecorded("split", args, line, store,
                               [&](std::optional<std::int64_t> runId) {
                                 return split::runSplit(store, host, params, job, runId);
                               },
                               summary);
  if (summary.is_null()) return code;
  if (line.json) {
    printJson(summary);
    return code;
  }
  std::cout << "split " << summary["samples"] << " active samples in " << summary["groups"]
            << " groups (" << summary["multi_sample_groups"] << " with several samples, largest "
            << summary["largest_group"] << "); " << summary["changed"] << " changes\n";
  for (const auto& entry : summary["classes"]) {
    const std::string name = entry["class"].get<std::string>();
    std::cout << "  " << (name.empty() ? "(unlabelled)" : name) << " (" << entry["total"] << "):";
    for (const auto& splitName : summary["splits"]) {
      const std::string split = splitName.get<std::string>();
      std::cout << " " << split << " " << entry["counts"][split] << " ("
                << percent(entry["ratios"][split].get<double>()) << ")";
    }
    std::int64_t augmentedCount = 0;
    for (const auto& count : entry["augmented"]) augmentedCount += count.get<std::int64_t>();
    if (augmentedCount > 0) std::cout << ", +" << augmentedCount << " augmented";
    if (entry["augmented_set_aside"].get<std::int64_t>() > 0) {
      std::cout << ", " << entry["augmented_set_aside"] << " augmented set aside";
    }
    if (entry["no_face_crop"].get<std::int64_t>() > 0) std::cout << ", " << entry["no_face_crop"] << " without face crop unassigned";
    std::cout << "\n";
  }
  for (const auto& note : summary["notes"]) std::cout << "note: " << note.get<std::string>() << "\n";
  for (const auto& warning : summary["warnings"]) std::cout << "WARNING: " << warning.get<std::string>() << "\n";
  if (summary["warnings"].empty()) {
    std::cout << "verified: no duplicate cluster, lineage, identity, video or burst group crosses splits\n";
  } else {
    std::cout << "verified with " << summary["warnings"].size()
              << " warning(s): no duplicate cluster, lineage, identity, video or burst group crosses splits, "
                 "but see the WARNING lines above\n";
  }
  return code;
}

}  // namespace winnow::cli
