#include "winnow/workbench/suggestion_retrainer.hpp"

#include "winnow/store/project_store.hpp"

namespace winnow::workbench {

namespace {

Result<RetrainSummary> retrain(const std::filesystem::path& projectDir, const std::string& extractor) {
  auto opened = store::ProjectStore::open(projectDir);
  if (!opened) return opened.error();
  review::SuggestOptions options;
  options.extractor = extractor;
  auto run = review::suggestLabels(**opened, options);
  if (!run) return run.error();
  RetrainSummary summary;
  summary.extractor = run->extractor;
  summary.labelledSamples = run->labelledSamples;
  summary.classes = run->classes;
  summary.suggestions = run->suggestions.size();
  summary.unlabelledWithoutDescriptor = run->unlabelledWithoutDescriptor;
  summary.looAccuracy = run->looAccuracy;
  summary.looMeanConfidence = run->looMeanConfidence;
  summary.seconds = run->seconds;
  return summary;
}

}  // namespace

SuggestionRetrainer::~SuggestionRetrainer() {
  if (worker_.joinable()) worker_.join();
}

bool SuggestionRetrainer::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

bool SuggestionRetrainer::busy() const { return queued_ || running(); }

void SuggestionRetrainer::request(const std::filesystem::path& projectDir, const std::string& extractor) {
  projectDir_ = projectDir;
  extractor_ = extractor;
  if (running()) {
    queued_ = true;
    return;
  }
  start();
}

void SuggestionRetrainer::start() {
  if (worker_.joinable()) worker_.join();
  queued_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
  }
  worker_ = std::thread([this, projectDir = projectDir_, extractor = extractor_] {
    Result<RetrainSummary> outcome = retrain(projectDir, extractor);
    std::lock_guard<std::mutex> lock(mutex_);
    result_ = std::move(outcome);
    running_ = false;
  });
}

std::optional<Result<RetrainSummary>> SuggestionRetrainer::takeResult() {
  std::optional<Result<RetrainSummary>> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out.swap(result_);
  }
  if (out) {
    ++completed_;
    if (queued_) start();
  }
  return out;
}

}  // namespace winnow::workbench
