// Job control for long work: progress (count, rate, ETA), cancellation, and per-item messages.
//
// Contract: a long operation takes a JobContext&, calls begin() once with the total, advance()
// per item, checks cancelled() between items (never mid-write), and reports per-item problems with
// warn(). Cancelling never leaves the store inconsistent because callers only stop between
// committed units of work.
//
// Messages are records of the one logger (winnow/log/log.hpp, origin Job, source = the task), so
// they reach the console, the workbench and --json readers alike; the style only decides whether
// this job draws progress on the console.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace winnow::job {

// Process-wide flag set by SIGINT/SIGTERM once installInterruptHandler() ran. A second Ctrl-C
// restores the default action, so a stuck process can still be killed.
void installInterruptHandler();
bool interruptRequested();
void requestInterrupt();   // for tests and the GUI's cancel button
void clearInterrupt();

enum class ProgressStyle {
  Invalid = 0,
  // On the logger's console: one self-overwriting line on a terminal, a line every few seconds
  // otherwise, {"event":"progress",...} lines when the console is in JsonLines format (--json).
  Console,
  Silent,  // no progress drawn; messages still go to the logger
};

class JobContext {
 public:
  explicit JobContext(ProgressStyle style = ProgressStyle::Console);
  virtual ~JobContext() = default;

  void begin(const std::string& task, std::int64_t total);
  void advance(std::int64_t count = 1);
  void finish();
  // One-line message about one item (bad file, skipped sample): a Warning record, always shown.
  void warn(const std::string& line);
  // A note on the job's course (a step starting, a skipped entry): an Info record, shown too.
  void info(const std::string& line);

  bool cancelled() const;
  void cancel() { cancelled_ = true; }

  std::int64_t done() const { return done_; }
  std::int64_t total() const { return total_; }
  double ratePerSecond() const;
  double etaSeconds() const;  // < 0 when unknown

 private:
  void render(bool force);
  std::string source() const;

  ProgressStyle style_;
  mutable std::mutex mutex_;
  std::string task_;
  std::int64_t total_ = 0;
  std::atomic<std::int64_t> done_{0};
  std::atomic<bool> cancelled_{false};
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point lastRender_{};
  bool progressShown_ = false;
};

// "1:02:03" or "2:03" style duration.
std::string formatDuration(double seconds);

}  // namespace winnow::job
