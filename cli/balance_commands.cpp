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
      "scope", po::value<std::string>()->default_value("all"), "all, or train (only split train)")(
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
  if (code == kExitCancelled) std::cout << "cancelled; committed children are kept\n";
  return code == kExitOk && summary.value("failed", 0) > 0 ? kExitPartial : code;
}

int commandSplit(const std::vector<std::string>& args) {
  po::options_description options("split options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "ratios,r", po::value<std::string>()->default_value("70,15,15"),
      "2 or 3 relative sizes, e.g. 70,15,15 or 80,20")(
      "names", po::value<std::string>(), "split names, e.g. train,test (default train,val[,test])")(
      "seed", po::value<std::uint64_t>()->default_value(0), "seed of the tie-breaks")(
      "burst-seconds", po::value<double>()->default_value(5.0),
      "photos of one source this close in capture time stay together (0 = off)");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("split", "<project> --ratios 70,15,15 [--seed S]", options, positional, args,
                        line, exitCode)) {
    return exitCode;
  }
  auto splitList = [](const std::string& text) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, ',')) parts.push_back(part);
    return parts;
  };
  nlohmann::json ratios = nlohmann::json::array();
  for (const std::string& part : splitList(line.values["ratios"].as<std::string>())) {
    try {
      std::size_t used = 0;
      const double value = std::stod(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      ratios.push_back(value);
    } catch (const std::exception&) {
      return printError(makeError(ErrorCode::InvalidArgument, "--ratios: '" + part + "' is not a number"),
                        line.json, kExitUsage);
    }
  }
  nlohmann::json params = {{"ratios", ratios},
                           {"seed", line.values["seed"].as<std::uint64_t>()},
                           {"burst_seconds", line.values["burst-seconds"].as<double>()}};
  if (line.values.count("names")) params["names"] = splitList(line.values["names"].as<std::string>());
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
    std::cout << "\n";
  }
  std::cout << "verified: no duplicate cluster, lineage, identity, video or burst group crosses splits\n";
  return code;
}

}  // namespace winnow::cli
