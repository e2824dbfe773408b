#include "winnow/log/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "winnow/util/display_text.hpp"

namespace winnow::log {
namespace {

spdlog::level::level_enum toSpdlog(Level level) {
  switch (level) {
    case Level::Debug: return spdlog::level::debug;
    case Level::Info: return spdlog::level::info;
    case Level::Warning: return spdlog::level::warn;
    case Level::Error: return spdlog::level::err;
  }
  return spdlog::level::warn;
}

Level fromSpdlog(spdlog::level::level_enum level) {
  if (level >= spdlog::level::err) return Level::Error;
  if (level == spdlog::level::warn) return Level::Warning;
  if (level == spdlog::level::info) return Level::Info;
  return Level::Debug;
}

// A logger's name carries the record's origin and source: "job:ingest", "plugin:winnow.faceapi",
// "host:train". Sinks read them back from the spdlog message.
constexpr std::string_view kOriginPrefixes[] = {"job:", "plugin:", "host:"};

std::string loggerName(Origin origin, std::string_view source) {
  std::string name(kOriginPrefixes[static_cast<int>(origin)]);
  name.append(source);
  return name;
}

Record recordOf(const spdlog::details::log_msg& message) {
  Record record;
  record.level = fromSpdlog(message.level);
  const std::string_view name(message.logger_name.data(), message.logger_name.size());
  for (int origin = 0; origin < 3; ++origin) {
    const std::string_view prefix = kOriginPrefixes[origin];
    if (name.substr(0, prefix.size()) == prefix) {
      record.origin = static_cast<Origin>(origin);
      record.source = std::string(name.substr(prefix.size()));
      break;
    }
  }
  record.message.assign(message.payload.data(), message.payload.size());
  return record;
}

bool shownOnConsole(const Record& record, bool verbose) {
  switch (record.level) {
    case Level::Error:
    case Level::Warning: return true;
    case Level::Info: return verbose || record.origin != Origin::Plugin;
    case Level::Debug: return false;
  }
  return true;
}

std::string describeRecord(const Record& record) {
  std::string prefix;
  if (record.origin != Origin::Job) prefix = "[" + displayText(record.source) + "] ";
  if (record.level == Level::Warning) prefix += "warning: ";
  if (record.level == Level::Error) prefix += "error: ";
  return prefix + terminalSafeText(record.message, /*keepLineBreaks=*/true);
}

std::string consoleJson(const Record& record) {
  nlohmann::json event;
  switch (record.origin) {
    case Origin::Job:
      event = {{"event", levelName(record.level)}, {"task", record.source}, {"message", record.message}};
      break;
    case Origin::Plugin:
      event = {{"event", "plugin_log"}, {"level", levelName(record.level)}, {"plugin", record.source},
               {"message", record.message}};
      break;
    case Origin::Host:
      event = {{"event", levelName(record.level)}, {"source", record.source}, {"message", record.message}};
      break;
  }
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// stderr (or the configured stream), shared by records and the progress line. base_sink's mutex
// guards the settings and the open-line state; spdlog holds it around sink_it_.
class ConsoleSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void configure(const ConsoleSettings& settings) {
    std::lock_guard<std::mutex> lock(mutex_);
    clearLine();
    settings_ = settings;
    interactive_ = settings_.stream != nullptr && isatty(fileno(settings_.stream)) != 0;
  }

  ConsoleSettings settings() {
    std::lock_guard<std::mutex> lock(mutex_);
    return settings_;
  }

  void progress(std::string_view text, std::string_view jsonEvent) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (settings_.stream == nullptr) return;
    if (settings_.format == ConsoleFormat::JsonLines) {
      printLine(jsonEvent);
    } else if (interactive_) {
      std::fputs("\r\033[K", settings_.stream);
      std::fwrite(text.data(), 1, text.size(), settings_.stream);
      lineOpen_ = true;
    } else {
      printLine(text);
    }
    std::fflush(settings_.stream);
  }

  void closeProgress() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (lineOpen_ && settings_.stream != nullptr) {
      std::fputc('\n', settings_.stream);
      std::fflush(settings_.stream);
    }
    lineOpen_ = false;
  }

  bool redrawsInPlace() {
    std::lock_guard<std::mutex> lock(mutex_);
    return interactive_ && settings_.format == ConsoleFormat::Text;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (settings_.stream == nullptr) return;
    const Record record = recordOf(message);
    if (!shownOnConsole(record, settings_.verbose)) return;
    clearLine();
    printLine(settings_.format == ConsoleFormat::JsonLines ? consoleJson(record) : describeRecord(record));
    std::fflush(settings_.stream);
  }

  void flush_() override {
    if (settings_.stream != nullptr) std::fflush(settings_.stream);
  }

 private:
  // Callers hold mutex_.
  void clearLine() {
    if (lineOpen_ && settings_.stream != nullptr) std::fputs("\r\033[K", settings_.stream);
    lineOpen_ = false;
  }

  void printLine(std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), settings_.stream);
    std::fputc('\n', settings_.stream);
  }

  ConsoleSettings settings_{};
  bool interactive_ = isatty(STDERR_FILENO) != 0;
  bool lineOpen_ = false;
};

// Subscribers are called under the sink's mutex, so removing one waits for a call in progress.
class SubscriberSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  long add(Level threshold, std::function<void(const Record&)> receive) {
    std::lock_guard<std::mutex> lock(mutex_);
    const long id = nextId_++;
    subscribers_.push_back({id, threshold, std::move(receive)});
    return id;
  }

  void remove(long id) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                      [id](const Subscriber& subscriber) { return subscriber.id == id; }),
                       subscribers_.end());
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (subscribers_.empty()) return;
    const Record record = recordOf(message);
    for (const Subscriber& subscriber : subscribers_) {
      if (record.level < subscriber.threshold) continue;
      try {
        subscriber.receive(record);
      } catch (...) {  // NOLINT(bugprone-empty-catch): one subscriber's failure must not stop logging
      }
    }
  }

  void flush_() override {}

 private:
  struct Subscriber {
    long id;
    Level threshold;
    std::function<void(const Record&)> receive;
  };
  std::vector<Subscriber> subscribers_;
  long nextId_ = 1;
};

// Process-wide; never destroyed, so a record written during static destruction still lands.
struct Logging {
  std::shared_ptr<ConsoleSink> console = std::make_shared<ConsoleSink>();
  std::shared_ptr<SubscriberSink> subscribers = std::make_shared<SubscriberSink>();
  std::mutex loggersMutex;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;

  // One spdlog logger per origin and source, all over the same two sinks.
  std::shared_ptr<spdlog::logger> loggerFor(Origin origin, std::string_view source) {
    std::string name = loggerName(origin, source);
    std::lock_guard<std::mutex> lock(loggersMutex);
    auto found = loggers.find(name);
    if (found != loggers.end()) return found->second;
    auto logger = std::make_shared<spdlog::logger>(name, spdlog::sinks_init_list{console, subscribers});
    logger->set_level(spdlog::level::debug);
    loggers.emplace(std::move(name), logger);
    return logger;
  }
};

Logging& logging() {
  static auto* instance = new Logging();
  return *instance;
}

}  // namespace

const char* levelName(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
  }
  return "warning";
}

std::string describe(const Record& record) { return describeRecord(record); }

void configureConsole(const ConsoleSettings& settings) { logging().console->configure(settings); }

ConsoleSettings consoleSettings() { return logging().console->settings(); }

void write(Level level, Origin origin, std::string_view source, std::string_view message) noexcept {
  try {
    logging().loggerFor(origin, source)->log(toSpdlog(level), spdlog::string_view_t(message.data(), message.size()));
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging must never take the caller down
  }
}

Subscription::~Subscription() {
  if (id_ != 0) logging().subscribers->remove(id_);
}

Subscription::Subscription(Subscription&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (id_ != 0) logging().subscribers->remove(id_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

Subscription subscribe(Level threshold, std::function<void(const Record&)> receive) {
  return Subscription(logging().subscribers->add(threshold, std::move(receive)));
}

void showProgress(std::string_view text, std::string_view jsonEvent) { logging().console->progress(text, jsonEvent); }

void closeProgress() { logging().console->closeProgress(); }

bool progressRedrawsInPlace() { return logging().console->redrawsInPlace(); }

}  // namespace winnow::log
