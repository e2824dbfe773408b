// Subcommands that balance classes and split a project: balance, split.
#include "balance_commands.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_support.hpp"
#include "winnow/split/dataset_splitter.hpp"

namespace winnow::cli {
namespace {


void printBalance(const pipeline::StepResult& result);
void printSplit(const nlohmann::json& summary);

std::string percent(double ratio) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << ratio * 100.0 << "%";
  return out.str();
}

}  // namespace

int commandBalance(const std::vector<std::string>& args) {
  po::options_description options("balance options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "balancer,b", po::value<std::string>(),
      ("balancer capability id (target_count, class_weights)" + defaultNote("balance", "balancer")).c_str())(
      "param,p", po::value<std::vector<std::string>>()->composing(),
      "balancer parameter key=value (repeatable), e.g. -p target=largest")(
      "augmenter,a", po::value<std::string>(),
      ("augmenter capability id for augmented children" + defaultNote("balance", "augmenter")).c_str())(
      "augmenter-param", po::value<std::vector<std::string>>()->composing(),
      "augmenter parameter key=value (repeatable)")(
      "scope", po::value<std::string>(),
      ("train: only split train (everything while no split exists; children then go to train with their "
       "parent's group); all: also val/test samples, whose children stay in val/test" +
       defaultNote("balance", "scope")).c_str())(
      "seed", po::value<std::uint64_t>(), ("seed of the plan and augmentations" + defaultNote("balance", "seed")).c_str())(
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
  StepCommand command;
  command.step = "balance";
  command.params = {{"params", *balancerParams},
                    {"augmenter_params", *augmenterParams},
                    {"dry_run", line.values.count("dry-run") > 0}};
  for (const char* option : {"balancer", "augmenter", "scope"}) {
    if (line.values.count(option)) command.params[option] = line.values[option].as<std::string>();
  }
  if (line.values.count("seed")) command.params["seed"] = line.values["seed"].as<std::uint64_t>();
  command.checkNames = [](store::ProjectStore& store, pipeline::StepHost& host, const nlohmann::json& params) -> Status {
    for (const auto& [option, kind] : {std::pair{"balancer", plugin::CapabilityKind::Balancer},
                                       std::pair{"augmenter", plugin::CapabilityKind::Augmenter}}) {
      if (!params.contains(option)) continue;
      Status known = checkCapability(host.get(), kind, std::string("--") + option, params[option].get<std::string>());
      if (!known) return known;
    }
    const nlohmann::json& balancerSettings = params["params"];
    if (balancerSettings.contains("target_class") && balancerSettings["target_class"].is_string()) {
      auto classes = projectClasses(store);
      if (!classes) return classes.error();
      return checkKnownName("-p target_class", "class", balancerSettings["target_class"].get<std::string>(), *classes,
                            "classes in the project");
    }
    return okStatus();
  };
  command.printText = [](const pipeline::StepResult& result, const nlohmann::json&) { printBalance(result); };
  return runStepCommand(line, command);
}

namespace {

void printBalance(const pipeline::StepResult& result) {
  const nlohmann::json& summary = result.summary;
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
  if (result.cancelled()) std::cout << "cancelled; committed children are kept\n";
}

}  // namespace

int commandSplit(const std::vector<std::string>& args) {
  po::options_description options("split options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "ratios,r", po::value<std::string>(),
      ("train,val,test: 3 non-negative numbers summing to 100 (or 1), e.g. 70,15,15 or 80,0,20" +
       defaultNote("split", "ratios")).c_str())(
      "seed", po::value<std::uint64_t>(), ("seed of the tie-breaks" + defaultNote("split", "seed")).c_str())(
      "burst-seconds", po::value<double>(),
      ("photos of one source this close in capture time stay together (0 = off)" + defaultNote("split", "burst_seconds"))
          .c_str())(
      "original-split", po::value<std::string>(),
      ("keep: samples from train/valid/test folders keep their shipped split (missing splits are carved "
       "from shipped train); ignore: re-split everything by the ratios" +
       defaultNote("split", "original_split")).c_str())(
      "augmented", po::value<std::string>(),
      ("train_only: augmented samples only go to train; any: like real samples (may land in val/test)" +
       defaultNote("split", "augmented")).c_str())(
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
  StepCommand command;
  command.step = "split";
  if (line.values.count("ratios")) {
    // The text "70,15,15" as numbers; the ratio rules are the step's (split::normalizedRatios),
    // checked here too so that the message names --ratios.
    const std::string ratioText = line.values["ratios"].as<std::string>();
    std::vector<double> ratioValues;
    std::stringstream stream(ratioText);
    for (std::string part; std::getline(stream, part, ',');) {
      std::size_t used = 0;
      double value = 0.0;
      try {
        value = std::stod(part, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != part.size()) {
        return printError(makeError(ErrorCode::InvalidArgument, "--ratios: '" + part + "' in '" + ratioText + "' is not a number"),
                          line.json, kExitUsage);
      }
      ratioValues.push_back(value);
    }
    if (auto checked = split::normalizedRatios(ratioValues); !checked) {
      return printError(makeError(ErrorCode::InvalidArgument, "--ratios: " + checked.error().message), line.json, kExitUsage);
    }
    command.params["ratios"] = ratioValues;
  }
  if (line.values.count("seed")) command.params["seed"] = line.values["seed"].as<std::uint64_t>();
  if (line.values.count("burst-seconds")) command.params["burst_seconds"] = line.values["burst-seconds"].as<double>();
  for (const char* option : {"original-split", "augmented", "face-crops"}) {
    std::string key = option;
    std::replace(key.begin(), key.end(), '-', '_');
    if (line.values.count(option)) command.params[key] = line.values[option].as<std::string>();
  }
  command.partial = [](const pipeline::StepResult&) { return false; };
  command.printText = [](const pipeline::StepResult& result, const nlohmann::json&) { printSplit(result.summary); };
  return runStepCommand(line, command);
}

namespace {

void printSplit(const nlohmann::json& summary) {
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
}

}  // namespace

}  // namespace winnow::cli
