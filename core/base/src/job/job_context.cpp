#include "winnow/job/job_context.hpp"

#include <csignal>
#include <cstdio>
#include <cmath>

#include <nlohmann/json.hpp>

#include "winnow/log/log.hpp"
#include "winnow/util/display_text.hpp"

namespace winnow::job {

namespace {

std::atomic<bool> gInterrupted{false};

extern "C" void handleInterrupt(int signalNumber) {
  if (gInterrupted.exchange(true)) {
    std::signal(signalNumber, SIG_DFL);
    std::raise(signalNumber);
  }
}

}  // namespace

void installInterruptHandler() {
  std::signal(SIGINT, handleInterrupt);
  std::signal(SIGTERM, handleInterrupt);
}
bool interruptRequested() { return gInterrupted.load(); }
void requestInterrupt() { gInterrupted = true; }
void clearInterrupt() { gInterrupted = false; }

std::string formatDuration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lld:%02lld:%02lld", total / 3600, (total / 60) % 60,
                  total % 60);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%lld:%02lld", total / 60, total % 60);
  }
  return buffer;
}

JobContext::JobContext(ProgressStyle style) : style_(style) {}

void JobContext::begin(const std::string& task, std::int64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  task_ = task;
  total_ = total;
  done_ = 0;
  start_ = std::chrono::steady_clock::now();
  lastRender_ = {};
  render(true);
}

void JobContext::advance(std::int64_t count) {
  done_ += count;
  std::lock_guard<std::mutex> lock(mutex_);
  render(false);
}

void JobContext::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  render(true);
  if (progressShown_) log::closeProgress();
  progressShown_ = false;
}

bool JobContext::cancelled() const { return cancelled_.load() || interruptRequested(); }

double JobContext::ratePerSecond() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return elapsed > 0 ? static_cast<double>(done_.load()) / elapsed : 0.0;
}

double JobContext::etaSeconds() const {
  const double rate = ratePerSecond();
  if (total_ <= 0 || rate <= 0) return -1;
  return static_cast<double>(total_ - done_.load()) / rate;
}

std::string JobContext::source() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return task_;
}

void JobContext::warn(const std::string& line) { log::write(log::Level::Warning, log::Origin::Job, source(), line); }

void JobContext::info(const std::string& line) { log::write(log::Level::Info, log::Origin::Job, source(), line); }

// Caller holds mutex_. Throttled: 10 Hz when redrawn in place, every 5 s otherwise.
void JobContext::render(bool force) {
  if (style_ != ProgressStyle::Console) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = log::progressRedrawsInPlace() ? std::chrono::milliseconds(100)
                                                      : std::chrono::milliseconds(5000);
  if (!force && now - lastRender_ < interval) return;
  lastRender_ = now;
  const std::int64_t done = done_.load();
  const double rate = ratePerSecond();
  const double eta = etaSeconds();
  const nlohmann::json event = {{"event", "progress"}, {"task", task_},      {"done", done},
                                {"total", total_},     {"rate_per_s", rate}, {"eta_s", eta}};
  char line[256];
  if (total_ > 0) {
    std::snprintf(line, sizeof(line), "%s: %lld/%lld (%.0f%%) %.1f/s ETA %s", task_.c_str(),
                  static_cast<long long>(done), static_cast<long long>(total_),
                  100.0 * static_cast<double>(done) / static_cast<double>(total_), rate,
                  formatDuration(eta).c_str());
  } else {
    std::snprintf(line, sizeof(line), "%s: %lld %.1f/s", task_.c_str(),
                  static_cast<long long>(done), rate);
  }
  log::showProgress(terminalSafeText(line, /*keepLineBreaks=*/false),
                    event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  progressShown_ = true;
}

}  // namespace winnow::job
