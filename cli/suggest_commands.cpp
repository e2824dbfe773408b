#include "suggest_commands.hpp"

#include <iostream>
#include <sstream>

#include "cli_support.hpp"
#include "winnow/util/display_text.hpp"
#include "winnow/review/suggestions.hpp"

namespace winnow::cli {

namespace {

nlohmann::json toJson(const review::StoredSuggestion& s) {
  return {{"sample_id", s.sampleId},     {"label", s.label},     {"confidence", s.confidence},
          {"margin", s.margin},          {"runner_up", s.runnerUp}, {"distance", s.distance},
          {"review_rank", s.reviewRank}, {"extractor", s.extractor}, {"method", s.method},
          {"run_id", s.runId ? nlohmann::json(*s.runId) : nlohmann::json()}, {"created_at", s.createdAt}};
}

// How many suggestions reach each confidence, for choosing an --all-above threshold.
nlohmann::json confidenceCounts(const std::vector<review::StoredSuggestion>& suggestions) {
  nlohmann::json counts = nlohmann::json::object();
  for (double threshold : {0.99, 0.95, 0.9, 0.8, 0.5}) {
    std::size_t n = 0;
    for (const auto& s : suggestions) n += s.confidence >= threshold ? 1 : 0;
    counts[formatNumber(threshold, 2)] = n;
  }
  return counts;
}

Result<nlohmann::json> runSuggest(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& /*job*/,
                                  std::optional<std::int64_t> runId) {
  const std::size_t limit = params.value("limit", static_cast<std::size_t>(20));
  nlohmann::json result = nlohmann::json::object();
  std::vector<review::StoredSuggestion> suggestions;
  if (params.value("list", false)) {
    auto stored = review::loadSuggestions(store);
    if (!stored) return stored.error();
    suggestions = std::move(*stored);
    result["listed"] = true;
  } else {
    review::SuggestOptions options;
    options.extractor = params.value("extractor", std::string());
    options.runId = runId;
    auto run = review::suggestLabels(store, options);
    if (!run) return run.error();
    result = {{"listed", false},
              {"extractor", run->extractor},
              {"method", run->method},
              {"labelled_samples", run->labelledSamples},
              {"classes", run->classes},
              {"temperature", run->temperature},
              {"loo_accuracy", run->looAccuracy},
              {"loo_mean_confidence", run->looMeanConfidence},
              {"unlabelled_without_descriptor", run->unlabelledWithoutDescriptor},
              {"seconds", run->seconds},
              {"order", run->order}};
    suggestions = std::move(run->suggestions);
  }
  result["count"] = suggestions.size();
  result["at_or_above"] = confidenceCounts(suggestions);
  result["limit"] = limit;
  result["suggestions"] = nlohmann::json::array();
  for (std::size_t i = 0; i < suggestions.size() && (limit == 0 || i < limit); ++i) {
    result["suggestions"].push_back(toJson(suggestions[i]));
  }
  return result;
}

void printSuggestions(const nlohmann::json& r) {
  if (!r.at("listed").get<bool>()) {
    std::cout << "suggested a label for " << r.at("count") << " unlabelled samples (" << r.at("method").get<std::string>()
              << " on " << r.at("extractor").get<std::string>() << ", trained on " << r.at("labelled_samples")
              << " labelled samples of " << r.at("classes") << " classes in " << formatNumber(r.at("seconds").get<double>(), 2)
              << " s; leave-one-out accuracy " << formatNumber(100 * r.at("loo_accuracy").get<double>(), 1)
              << "%, mean confidence " << formatNumber(100 * r.at("loo_mean_confidence").get<double>(), 1) << "%)\n";
    std::cout << "stored, not applied; older suggestions replaced";
    if (r.at("unlabelled_without_descriptor").get<std::size_t>() > 0) {
      std::cout << "; " << r.at("unlabelled_without_descriptor") << " unlabelled samples have no descriptor (no suggestion)";
    }
    std::cout << "\n";
  } else {
    std::cout << r.at("count") << " stored suggestions for unlabelled samples\n";
  }
  std::cout << "at or above confidence:";
  for (const auto& [threshold, n] : r.at("at_or_above").items()) std::cout << " " << threshold << ": " << n << ";";
  std::cout << "\nreview order: least confident first (rank, sample, label, confidence, margin, runner-up)\n";
  for (const auto& s : r.at("suggestions")) {
    std::cout << "  " << s.at("review_rank") << "\t" << s.at("sample_id") << "\t" << displayText(s.at("label").get<std::string>()) << "\t"
              << formatNumber(s.at("confidence").get<double>(), 3) << "\t" << formatNumber(s.at("margin").get<double>(), 3)
              << "\t" << displayText(s.at("runner_up").get<std::string>()) << "\n";
  }
  if (r.at("count").get<std::size_t>() > r.at("suggestions").size()) {
    std::cout << "  ... (" << r.at("count").get<std::size_t>() - r.at("suggestions").size()
              << " more; --limit 0 lists all)\n";
  }
  std::cout << "accept: winnow accept <project> --all-above 0.9, or --ids 12,40; correct: winnow label <project> <class> <id>\n";
}

Result<std::vector<std::int64_t>> parseIds(const std::vector<std::string>& texts) {
  std::vector<std::int64_t> ids;
  for (const auto& text : texts) {
    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
      if (item.empty()) continue;
      try {
        std::size_t used = 0;
        const long long id = std::stoll(item, &used);
        if (used != item.size() || id <= 0) throw std::invalid_argument(item);
        ids.push_back(id);
      } catch (const std::exception&) {
        return makeError(ErrorCode::InvalidArgument, "accept: --ids '" + item + "': expected sample ids like 12,40,41");
      }
    }
  }
  return ids;
}

Result<nlohmann::json> runAccept(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& /*job*/,
                                 std::optional<std::int64_t> /*runId*/) {
  Result<review::AcceptOutcome> outcome = review::AcceptOutcome{};
  if (params.contains("all_above")) {
    const double threshold = params["all_above"].get<double>();
    if (!(threshold >= 0.0 && threshold <= 1.0)) {
      return makeError(ErrorCode::InvalidArgument, "accept: --all-above must be a confidence from 0 to 1");
    }
    outcome = review::acceptSuggestionsAbove(store, threshold, "user:cli");
  } else {
    outcome = review::acceptSuggestions(store, params["ids"].get<std::vector<std::int64_t>>(), "user:cli");
  }
  if (!outcome) return outcome.error();
  nlohmann::json accepted = nlohmann::json::array();
  for (const auto& decision : outcome->decisions) {
    accepted.push_back({{"decision_id", decision.decisionId}, {"sample_id", decision.sampleId},
                        {"label", decision.newValue.value_or("")}});
  }
  auto remaining = review::loadSuggestions(store);
  if (!remaining) return remaining.error();
  return nlohmann::json{{"accepted", accepted},
                        {"accepted_count", outcome->decisions.size()},
                        {"skipped", outcome->skipped},
                        {"remaining", remaining->size()}};
}

}  // namespace

int commandSuggest(const std::vector<std::string>& args) {
  po::options_description options("suggest options");
  options.add_options()("extractor", po::value<std::string>(), "descriptors to train on (default: the one with most rows)")(
      "limit", po::value<std::size_t>()->default_value(20), "how many suggestions to print, in review order (0 = all)")(
      "list", "print the stored suggestions without training again");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("suggest", "<project> [--extractor X] [--limit 20] [--list]", options, args, line, exitCode)) {
    return exitCode;
  }
  nlohmann::json params = {{"limit", line.values["limit"].as<std::size_t>()}, {"list", line.values.count("list") > 0}};
  if (line.values.count("extractor")) params["extractor"] = line.values["extractor"].as<std::string>();
  return runOperation("suggest", line, params, runSuggest, printSuggestions);
}

int commandAccept(const std::vector<std::string>& args) {
  po::options_description options("accept options");
  options.add_options()("all-above", po::value<double>(), "accept every stored suggestion with at least this confidence")(
      "ids", po::value<std::vector<std::string>>()->composing(), "accept the suggestions of these samples (12,40,41)");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("accept", "<project> (--all-above 0.9 | --ids 12,40,...)", options, args, line, exitCode)) {
    return exitCode;
  }
  const bool above = line.values.count("all-above") > 0;
  const bool some = line.values.count("ids") > 0;
  if (above == some) {
    return printError(makeError(ErrorCode::InvalidArgument, "accept: give either --all-above P or --ids 12,40,..."),
                      line.json, kExitUsage);
  }
  nlohmann::json params = nlohmann::json::object();
  if (above) {
    params["all_above"] = line.values["all-above"].as<double>();
  } else {
    auto ids = parseIds(listOption(line, "ids"));
    if (!ids) return printError(ids.error(), line.json, kExitUsage);
    params["ids"] = *ids;
  }
  const std::string project = line.values["project"].as<std::string>();
  return runOperation("accept", line, params, runAccept, [project](const nlohmann::json& r) {
    const std::size_t count = r.at("accepted_count").get<std::size_t>();
    std::cout << "accepted " << count << " suggestions as label decisions (user:cli); " << r.at("remaining")
              << " suggestions left to review\n";
    if (!r.at("skipped").empty()) {
      std::cout << "skipped (no current suggestion: none stored, or labelled or rejected since):";
      for (const auto& id : r.at("skipped")) std::cout << " " << id;
      std::cout << "\n";
    }
    if (count > 0) std::cout << "undo: winnow undo " << project << " -n " << count << "\n";
  });
}

}  // namespace winnow::cli
