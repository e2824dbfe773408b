#include "winnow/job/job_context.hpp"

#include <unistd.h>

#include <csignal>
#include <cmath>

#include <nlohmann/json.hpp>

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

JobContext::JobContext(ProgressStyle style, std::FILE* stream) : style_(style), stream_(stream) {
  isTty_ = stream_ != nullptr && isatty(fileno(stream_)) != 0;
}

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
  if (lineOpen_ && stream_) {
    std::fputc('\n', stream_);
    lineOpen_ = false;
  }
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

void JobContext::clearLine() {
  if (lineOpen_ && stream_) {
    std::fputs("\r\033[K", stream_);
    lineOpen_ = false;
  }
}

void JobContext::warn(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (style_ == ProgressStyle::Silent || !stream_) return;
  if (style_ == ProgressStyle::JsonLines) {
    nlohmann::json event = {{"event", "warning"}, {"task", task_}, {"message", line}};
    std::fprintf(stream_, "%s\n", event.dump().c_str());
    return;
  }
  if (isTty_) clearLine();
  std::fprintf(stream_, "warning: %s\n", line.c_str());
}

void JobContext::info(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (style_ == ProgressStyle::Silent || !stream_) return;
  if (style_ == ProgressStyle::JsonLines) {
    nlohmann::json event = {{"event", "info"}, {"task", task_}, {"message", line}};
    std::fprintf(stream_, "%s\n", event.dump().c_str());
    return;
  }
  if (isTty_) clearLine();
  std::fprintf(stream_, "%s\n", line.c_str());
}

// Caller holds mutex_. Throttled: 10 Hz on a TTY, every 5 s otherwise.
void JobContext::render(bool force) {
  if (style_ == ProgressStyle::Silent || !stream_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = (style_ == ProgressStyle::Terminal && isTty_)
                            ? std::chrono::milliseconds(100)
                            : std::chrono::milliseconds(5000);
  if (!force && now - lastRender_ < interval) return;
  lastRender_ = now;
  const std::int64_t done = done_.load();
  const double rate = ratePerSecond();
  const double eta = etaSeconds();
  if (style_ == ProgressStyle::JsonLines) {
    nlohmann::json event = {{"event", "progress"}, {"task", task_},  {"done", done},
                            {"total", total_},     {"rate_per_s", rate}, {"eta_s", eta}};
    std::fprintf(stream_, "%s\n", event.dump().c_str());
    return;
  }
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
  if (isTty_) {
    std::fprintf(stream_, "\r\033[K%s", line);
    lineOpen_ = true;
  } else {
    std::fprintf(stream_, "%s\n", line);
  }
  std::fflush(stream_);
}

}  // namespace winnow::job
