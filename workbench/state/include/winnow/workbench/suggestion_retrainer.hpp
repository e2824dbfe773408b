// Retrains the label suggestions (core's review::suggestLabels) on a worker thread, so the
// workbench never blocks while decisions arrive. The worker opens its own ProjectStore on the
// project folder (one connection per thread, as the store requires); SQLite's WAL and busy
// timeout let the UI keep writing decisions meanwhile. suggestLabels replaces the stored
// suggestions in one transaction; the app then reloads them with review::loadSuggestions on its
// own connection, which drops samples decided while the worker ran.
//
// Thread safety: every member is called from the UI thread; the worker touches only the result
// slot, under a mutex.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "winnow/review/suggestions.hpp"
#include "winnow/util/result.hpp"

namespace winnow::workbench {

// What a finished retraining reports (the run without its rows: the app reloads those).
struct RetrainSummary {
  std::string extractor;
  std::size_t labelledSamples = 0;
  std::size_t classes = 0;
  std::size_t suggestions = 0;
  std::size_t unlabelledWithoutDescriptor = 0;
  double looAccuracy = 0.0;
  double looMeanConfidence = 0.0;
  double seconds = 0.0;
};

class SuggestionRetrainer {
 public:
  SuggestionRetrainer() = default;
  ~SuggestionRetrainer();  // joins a running retraining (suggestLabels takes milliseconds to seconds)
  SuggestionRetrainer(const SuggestionRetrainer&) = delete;
  SuggestionRetrainer& operator=(const SuggestionRetrainer&) = delete;

  // Starts a retraining; when one is running already, one more is queued to start when it ends
  // (decisions made meanwhile are then included). extractor "" = the one with most vectors.
  void request(const std::filesystem::path& projectDir, const std::string& extractor);
  bool running() const;
  // True while a retraining runs or is queued.
  bool busy() const;
  // The finished retraining's summary or error, once; nullopt while none finished. Starts the
  // queued one, if any.
  std::optional<Result<RetrainSummary>> takeResult();
  std::size_t completed() const { return completed_; }

 private:
  void start();

  std::filesystem::path projectDir_;
  std::string extractor_;
  bool queued_ = false;
  std::size_t completed_ = 0;
  std::thread worker_;
  mutable std::mutex mutex_;
  bool running_ = false;
  std::optional<Result<RetrainSummary>> result_;
};

}  // namespace winnow::workbench
