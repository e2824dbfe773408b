// Job control for long work: progress (count, rate, ETA), cancellation, and per-item messages.
//
// Contract: a long operation takes a JobContext&, calls begin() once with the total, advance()
// per item, checks cancelled() between items (never mid-write), and reports per-item problems with
// warn(). Cancelling never leaves the store inconsistent because callers only stop between
// committed units of work.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
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
  Terminal,  // one self-overwriting line on a TTY (stderr), a line every few seconds otherwise
  JsonLines, // {"event":"progress",...} lines on stderr, for --json
  Silent,
};

class JobContext {
 public:
  explicit JobContext(ProgressStyle style = ProgressStyle::Terminal, std::FILE* stream = stderr);
  virtual ~JobContext() = default;

  void begin(const std::string& task, std::int64_t total);
  void advance(std::int64_t count = 1);
  void finish();
  // One-line message about one item (bad file, skipped sample); always shown.
  void warn(const std::string& line);
  void info(const std::string& line);

  bool cancelled() const;
  void cancel() { cancelled_ = true; }

  std::int64_t done() const { return done_; }
  std::int64_t total() const { return total_; }
  double ratePerSecond() const;
  double etaSeconds() const;  // < 0 when unknown

 private:
  void render(bool force);
  void clearLine();

  ProgressStyle style_;
  std::FILE* stream_;
  std::mutex mutex_;
  std::string task_;
  std::int64_t total_ = 0;
  std::atomic<std::int64_t> done_{0};
  std::atomic<bool> cancelled_{false};
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point lastRender_{};
  bool isTty_ = false;
  bool lineOpen_ = false;
};

// "1:02:03" or "2:03" style duration.
std::string formatDuration(double seconds);

}  // namespace winnow::job
