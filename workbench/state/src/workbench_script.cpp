#include "winnow/workbench/workbench_script.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace winnow::workbench {

namespace {

struct VerbRule {
  ScriptVerb verb;
  std::size_t minArgs;
  std::size_t maxArgs;
};

const std::map<std::string, VerbRule>& verbRules() {
  static const std::map<std::string, VerbRule> rules = {
      {"key", {ScriptVerb::Key, 1, 2}},           {"frames", {ScriptVerb::Frames, 1, 1}},
      {"wait-thumbnails", {ScriptVerb::WaitThumbnails, 0, 1}},
      {"screenshot", {ScriptVerb::Screenshot, 1, 1}}, {"view", {ScriptVerb::View, 1, 1}},
      {"filter", {ScriptVerb::Filter, 1, 2}},     {"sort", {ScriptVerb::Sort, 1, 2}},
      {"goto", {ScriptVerb::Goto, 1, 1}},         {"cluster", {ScriptVerb::Cluster, 1, 1}},
      {"keeper", {ScriptVerb::Keeper, 1, 1}},     {"not-duplicate", {ScriptVerb::NotDuplicate, 2, 2}},
      {"keep-all", {ScriptVerb::KeepAll, 0, 0}},
      {"scroll", {ScriptVerb::Scroll, 2, 2}},     {"quit", {ScriptVerb::Quit, 0, 0}},
      {"suggest", {ScriptVerb::Suggest, 0, 1}},   {"accept-suggestion", {ScriptVerb::AcceptSuggestion, 1, 1}},
      {"correct", {ScriptVerb::Correct, 2, 2}},   {"accept-above", {ScriptVerb::AcceptAbove, 1, 1}},
      {"type-class", {ScriptVerb::TypeClass, 1, 1}}, {"accept-identity", {ScriptVerb::AcceptIdentity, 1, 1}},
      {"show-group", {ScriptVerb::ShowGroup, 1, 1}}, {"run-step", {ScriptVerb::RunStep, 1, 2}},
  };
  return rules;
}

bool parseCount(const std::string& text, std::int64_t& value) {
  try {
    std::size_t used = 0;
    value = std::stoll(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Result<std::vector<ScriptStep>> parseScript(const std::string& text, const std::string& nameForMessages) {
  std::vector<ScriptStep> steps;
  std::istringstream lines(text);
  std::string line;
  int lineNumber = 0;
  while (std::getline(lines, line)) {
    ++lineNumber;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string verbText;
    if (!(words >> verbText)) continue;
    const std::string where = nameForMessages + ": line " + std::to_string(lineNumber) + ": ";
    auto rule = verbRules().find(verbText);
    if (rule == verbRules().end()) return makeError(ErrorCode::InvalidArgument, where + "unknown command '" + verbText + "'");
    ScriptStep step;
    step.lineNumber = lineNumber;
    step.verb = rule->second.verb;
    for (std::string word; words >> word;) step.args.push_back(word);
    if (step.args.size() < rule->second.minArgs || step.args.size() > rule->second.maxArgs) {
      return makeError(ErrorCode::InvalidArgument, where + "'" + verbText + "' takes " +
                                                       std::to_string(rule->second.minArgs) + " to " +
                                                       std::to_string(rule->second.maxArgs) + " arguments");
    }
    auto countAt = [&](std::size_t index, std::int64_t minimum) -> Status {
      if (!parseCount(step.args[index], step.count) || step.count < minimum) {
        return makeError(ErrorCode::InvalidArgument,
                         where + "'" + step.args[index] + "' is not a whole number >= " + std::to_string(minimum));
      }
      return okStatus();
    };
    Status checked = okStatus();
    std::int64_t scratch = 0;
    switch (step.verb) {
      case ScriptVerb::Key: {
        auto chord = parseKeyChord(step.args[0]);
        if (!chord) return makeError(ErrorCode::InvalidArgument, where + "unknown key '" + step.args[0] + "'");
        step.chord = *chord;
        if (step.args.size() == 2) checked = countAt(1, 1);
        break;
      }
      case ScriptVerb::Frames: checked = countAt(0, 1); break;
      case ScriptVerb::WaitThumbnails:
        step.count = 600;
        if (!step.args.empty()) checked = countAt(0, 1);
        break;
      case ScriptVerb::Scroll:
        if (!parseCount(step.args[0], scratch)) {
          return makeError(ErrorCode::InvalidArgument, where + "'" + step.args[0] + "' is not a whole number");
        }
        checked = countAt(1, 1);
        break;
      case ScriptVerb::Suggest:
        step.count = 600;
        if (!step.args.empty()) checked = countAt(0, 1);
        break;
      case ScriptVerb::RunStep:
        step.count = 6000;
        if (step.args.size() == 2) checked = countAt(1, 1);
        break;
      case ScriptVerb::AcceptAbove: {
        try {
          std::size_t used = 0;
          step.value = std::stod(step.args[0], &used);
          if (used != step.args[0].size() || step.value < 0.0 || step.value > 1.0) throw std::invalid_argument("range");
        } catch (const std::exception&) {
          return makeError(ErrorCode::InvalidArgument, where + "'" + step.args[0] + "' is not a confidence from 0 to 1");
        }
        break;
      }
      case ScriptVerb::AcceptIdentity:
      case ScriptVerb::ShowGroup:
        checked = countAt(0, 1);
        break;
      case ScriptVerb::Correct:
        if (!parseCount(step.args[0], scratch) || scratch < 0) {
          return makeError(ErrorCode::InvalidArgument, where + "'" + step.args[0] + "' is not a sample number");
        }
        break;
      case ScriptVerb::Goto:
      case ScriptVerb::AcceptSuggestion:
      case ScriptVerb::Cluster:
      case ScriptVerb::Keeper:
      case ScriptVerb::NotDuplicate:
        for (const std::string& arg : step.args) {
          if (!parseCount(arg, scratch) || scratch < 0) {
            return makeError(ErrorCode::InvalidArgument, where + "'" + arg + "' is not a sample or cluster number");
          }
        }
        break;
      case ScriptVerb::Sort:
        if (step.args.size() == 2 && step.args[1] != "asc" && step.args[1] != "desc") {
          return makeError(ErrorCode::InvalidArgument, where + "sort order must be asc or desc");
        }
        break;
      case ScriptVerb::Filter:
        if (step.args.size() == 1 && step.args[0] != "clear") {
          return makeError(ErrorCode::InvalidArgument, where + "'filter' needs a field and a value, or 'clear'");
        }
        if (step.args.size() == 2 && step.args[0] != "class" && step.args[0] != "source" &&
            step.args[0] != "split" && step.args[0] != "status" && step.args[0] != "flag") {
          return makeError(ErrorCode::InvalidArgument, where + "unknown filter field '" + step.args[0] + "'");
        }
        break;
      case ScriptVerb::View:
      case ScriptVerb::TypeClass:
      case ScriptVerb::KeepAll:
      case ScriptVerb::Screenshot:
      case ScriptVerb::Quit:
      case ScriptVerb::Invalid:
        break;
    }
    if (!checked) return checked.error();
    steps.push_back(std::move(step));
  }
  return steps;
}

Result<std::vector<ScriptStep>> readScript(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return makeError(ErrorCode::Io, file.string() + ": cannot open the script");
  std::ostringstream text;
  text << in.rdbuf();
  return parseScript(text.str(), file.string());
}

}  // namespace winnow::workbench
