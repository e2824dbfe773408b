// Curation subcommands: quality flags, flagged-sample lists, the merge/class report, the shortcut
// audit and suspected mislabels. Thin: parse, call core, print.
#include "curation_commands.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>

#include "cli_support.hpp"
#include "winnow/util/display_text.hpp"
#include "winnow/audit/class_report.hpp"
#include "winnow/quality/quality_runner.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

// Flag names: those the quality step and `crops` set, and any stored in the project. Measure
// names: those stored in the project (the review catalog's derived ones are not stored).
Result<std::vector<std::string>> knownFlagOrMeasureNames(store::ProjectStore& store, bool flags) {
  auto catalog = review::loadReviewCatalog(store);
  if (!catalog) return catalog.error();
  std::vector<std::string> names;
  if (flags) {
    names = quality::qualityFlagNames();
    names.push_back("multiple_faces");  // set by `crops` on every sample with several faces (faces/face_crops.hpp)
    names.insert(names.end(), catalog->flagNames.begin(), catalog->flagNames.end());
  } else {
    for (const auto& measure : catalog->measureNames) {
      if (measure != review::kDuplicateClusterSizeMeasure && measure != review::kFaceScoreMeasure) names.push_back(measure);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
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
  StepCommand command = paramStepCommand("quality");
  if (line.values.count("threads")) command.params["threads"] = line.values["threads"].as<int>();
  if (line.values.count("recompute")) command.params["recompute"] = true;
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
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
          std::cout << " #" << example.at("id") << "=" << formatNumber(example.at("value").get<double>());
        }
      }
      std::cout << "\n";
    }
    std::cout << "list them with: winnow flagged <project> --flag <name>\n";
  };
  return runStepCommand(line, command);
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
  if (list->empty()) {
    // Nothing found: a typo, or a known name no sample carries (yet)?
    auto known = knownFlagOrMeasureNames(**opened, byFlag);
    if (!known) return printError(known.error(), line.json);
    Status checked = checkKnownName(byFlag ? "--flag" : "--measure", byFlag ? "flag" : "measure", name, *known,
                                    byFlag ? "flags" : "measures in the project");
    if (!checked) return printError(checked.error(), line.json, kExitUsage);
  }
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
      std::cout << row.sampleId << "\t" << formatNumber(row.value, 3) << "\t"
                << (row.label ? displayText(*row.label) : "-") << "\t" << displayText(row.source) << "\t"
                << displayText(row.status) << "\t" << displayText(row.path) << "\n";
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
  StepCommand command = paramStepCommand("report");
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) { std::cout << audit::formatClassReport(r); };
  return runStepCommand(line, command);
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
  StepCommand command = paramStepCommand("audit");
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
    std::cout << "shortcut audit: " << r.at("samples") << " active labelled samples, "
              << r.at("classes").size() << " classes; chance: AUC 0.50, balanced accuracy "
              << formatNumber(r.at("baseline").at("balanced_accuracy").get<double>()) << "\n";
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
  };
  return runStepCommand(line, command);
}

int commandMislabels(const std::vector<std::string>& args) {
  po::options_description options("mislabels options");
  addParamOption(options);
  options.add_options()("top", po::value<int>(), "show this many (default 20)");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("mislabels",
                           "<project> [--top N] [-p k=10] [-p min_score=0.5] [-p feature=auto|embedding|generic] "
                           "[-p extractor=NAME]",
                           options, args, line, exitCode)) {
    return exitCode;
  }
  StepCommand command = paramStepCommand("mislabels");
  if (line.values.count("top")) command.params["top"] = line.values["top"].as<int>();
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
    const int folds = r.at("folds").get<int>();
    std::cout << "suspected mislabels: " << r.at("flagged") << " of " << r.at("samples")
              << " samples flagged (score >= " << formatNumber(r.at("min_score").get<double>())
              << ", another class holds the neighbours' majority, by chance with probability <= "
              << r.at("max_chance_probability").get<double>()
              << "; -p min_score=X, -p max_chance_probability=P change it)\n"
              << "feature: " << r.at("feature").get<std::string>() << " - "
              << r.at("feature_note").get<std::string>() << "\n"
              << "k=" << r.at("k") << " nearest neighbours, "
              << (folds >= 2 ? std::to_string(folds) + " folds" : std::string("leave-one-out"))
              << "; the neighbour vote agrees with "
              << formatNumber(100.0 * r.at("neighbour_agreement").get<double>()) << "% of labels (largest class "
              << formatNumber(100.0 * r.at("majority_baseline").get<double>()) << "%)\n";
    const auto& ranked = r.at("ranked");
    if (ranked.empty()) return;
    std::cout << "rank\tid\tscore\tflagged\tlabel\tsuggested\tneighbours\tpath\n";
    int rank = 0;
    for (const auto& row : ranked) {
      std::string neighbours;
      for (const auto& entry : row.at("neighbours")) {
        neighbours += (neighbours.empty() ? "" : ", ") + std::to_string(entry.at("count").get<int>()) + " x " +
                      entry.at("label").get<std::string>();
      }
      std::cout << ++rank << "\t" << row.at("id") << "\t" << formatNumber(row.at("score").get<double>()) << "\t"
                << (row.at("flagged").get<bool>() ? "yes" : "no") << "\t" << row.at("label").get<std::string>()
                << "\t"
                << (row.at("suggested_label").is_null() ? std::string("-")
                                                        : row.at("suggested_label").get<std::string>())
                << "\tneighbours: " << (neighbours.empty() ? std::string("none") : neighbours) << "\t"
                << row.at("path").get<std::string>() << "\n";
    }
  };
  return runStepCommand(line, command);
}

}  // namespace winnow::cli
