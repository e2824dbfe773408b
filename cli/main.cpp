// winnow: command-line entry point. Dispatches to one subcommand; all work lives in winnow_core.
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "winnow/util/process_tuning.hpp"
#include "balance_commands.hpp"
#include "cli_support.hpp"
#include "curation_commands.hpp"
#include "dupes_commands.hpp"
#include "face_commands.hpp"
#include "suggest_commands.hpp"
#include "training_commands.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/util/name_suggestion.hpp"

namespace {

struct CommandEntry {
  winnow::cli::CommandFunction run;
  const char* summary;  // nullptr: the command runs the step of its name, whose description is the summary
};

const std::map<std::string, CommandEntry>& commands() {
  using namespace winnow::cli;
  static const std::map<std::string, CommandEntry> table = {
      {"init", {commandInit, "create a project (its store is <project>/winnow.db)"}},
      {"ingest", {commandIngest, nullptr}},
      {"stats", {commandStats, nullptr}},
      {"samples", {commandSamples, "list samples (id, class, source, split, status, path)"}},
      {"label", {commandLabel, "set the class of samples (recorded as decisions)"}},
      {"reject", {[](const auto& a) { return commandSetStatus(a, "rejected"); },
                  "reject samples (kept, but not exported)"}},
      {"restore", {[](const auto& a) { return commandSetStatus(a, "active"); },
                   "restore rejected samples"}},
      {"undo", {commandUndo, "undo the last N decisions"}},
      {"decisions", {commandDecisions, "list recent decisions (who, what, why, when)"}},
      {"runs", {commandRuns, "list recent runs and their outcomes"}},
      {"check", {commandCheck, "full integrity check of a project's store (integrity_check + foreign keys)"}},
      {"plugins", {commandPlugins, "list loaded and rejected plugins and their capabilities"}},
      {"export", {commandExport, nullptr}},
      {"detect", {commandDetect, nullptr}},
      {"faces", {commandFaces, "print the face boxes of one image as JSON"}},
      {"crops", {commandCrops, nullptr}},
      {"embed", {commandEmbed, nullptr}},
      {"identity", {commandIdentity, nullptr}},
      {"identities", {commandIdentities, "group faces by identity (embeddings); --name N=class labels a whole group"}},
      {"suggest", {commandSuggest, "propose a label with a calibrated confidence for every unlabelled sample (stored, not applied)"}},
      {"accept", {commandAccept, "apply stored suggestions (--all-above P or --ids) as undoable label decisions"}},
      {"balance", {commandBalance, nullptr}},
      {"split", {commandSplit, nullptr}},
      {"quality", {commandQuality, nullptr}},
      {"flagged", {commandFlagged, "list samples by quality flag or measure (sorted by value)"}},
      {"report", {commandReport, nullptr}},
      {"audit", {commandAudit, nullptr}},
      {"mislabels", {commandMislabels, nullptr}},
      {"run", {commandRun, "run a pipeline JSON file (validated before anything runs)"}},
      {"dupes", {commandDupes, nullptr}},
      {"not-duplicate", {commandNotDuplicate, "mark two samples as not duplicates (never clustered again)"}},
      {"keeper", {commandKeeper, "choose the keeper of a duplicate cluster"}},
      {"conflicts", {commandConflicts, "near-duplicate clusters whose members carry different labels; --keep-all resolves"}},
      {"train", {commandTrain, nullptr}},
      {"evaluate", {commandEvaluate, nullptr}},
      {"predict", {commandPredict, "class and probability per image (face cropped first for face models)"}},
  };
  return table;
}

void printUsage(std::ostream& out) {
  out << "winnow " << WINNOW_VERSION
      << ": turn messy image collections into clean, balanced, leak-free datasets\n\n"
      << "usage: winnow <command> [options]   (winnow <command> --help for details)\n\ncommands:\n";
  for (const auto& [name, entry] : commands()) {
    const winnow::pipeline::StepDefinition* step = entry.summary == nullptr ? winnow::pipeline::findStep(name) : nullptr;
    out << "  " << name << std::string(12 - std::min<std::size_t>(11, name.size()), ' ')
        << (step != nullptr ? step->description.c_str() : entry.summary) << "\n";
  }
  out << "\nexit codes: 0 ok, 1 failed, 2 usage error, 3 finished with bad inputs, 130 cancelled\n";
}

}  // namespace

int main(int argc, char** argv) {
  winnow::tuneAllocatorForImageWork();
  if (argc < 2) {
    printUsage(std::cerr);
    return winnow::cli::kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    printUsage(std::cout);
    return winnow::cli::kExitOk;
  }
  if (name == "--version") {
    std::cout << "winnow " << WINNOW_VERSION << "\n";
    return winnow::cli::kExitOk;
  }
  auto found = commands().find(name);
  if (found == commands().end()) {
    std::vector<std::string> known;
    for (const auto& [command, entry] : commands()) known.push_back(command);
    std::cerr << "error: unknown command '" << name << "'";
    if (auto suggestion = winnow::closestName(name, known)) std::cerr << " (did you mean '" << *suggestion << "'?)";
    std::cerr << "; 'winnow --help' lists the commands\n";
    return winnow::cli::kExitUsage;
  }
  winnow::job::installInterruptHandler();
  try {
    return found->second.run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "error: winnow " << name << ": " << e.what() << "\n";
    return winnow::cli::kExitFailure;
  }
}
