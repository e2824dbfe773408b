// The one logger: everything winnow tells the user beside a command's result goes through it.
// Per-item warnings of long jobs (JobContext::warn, codec warnings attributed to their file),
// plugins' messages (the host API's log callback) and the host's own messages (the training rank
// launcher, the workbench) are records with a level, an origin and a source name; spdlog carries
// them to the sinks, so the console, the workbench's message list and tests see the same records.
//
// Console rules (stderr unless configured otherwise):
//  - warnings and errors always show; information from jobs and the host shows; information from
//    plugins shows with `verbose` (the CLI's --verbose); debug records reach subscribers only;
//  - Text format: "warning: <message>" for jobs, "[<plugin>] warning: <message>" for plugins,
//    "[<source>] <message>" for the host, made terminal-safe (winnow/util/display_text.hpp);
//  - JsonLines format (--json): one object per line, {"event": "warning", "task": ..., "message": ...}
//    for jobs, {"event": "plugin_log", "level": ..., "plugin": ..., "message": ...} for plugins,
//    {"event": "warning", "source": ..., "message": ...} for the host;
//  - the console also draws the one progress line (showProgress): on a terminal it is redrawn in
//    place, and a record printed meanwhile first clears it, so a warning never lands inside a bar.
//
// Thread safety: every function may be called from any thread. write() never throws.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace winnow::log {

enum class Level { Debug = 0, Info, Warning, Error };
// Who produced a record: a job (source = its task, "ingest"), a plugin (source = its id), or a
// part of winnow outside a job (source = the component, "train", "workbench").
enum class Origin { Job = 0, Plugin, Host };

struct Record {
  Level level = Level::Info;
  Origin origin = Origin::Host;
  std::string source;
  std::string message;
};

const char* levelName(Level level);  // "debug", "info", "warning", "error"
// The record as the console's Text format prints it, terminal-safe: "warning: cannot decode a.jpg",
// "[winnow.faceapi] warning: ...".
std::string describe(const Record& record);

enum class ConsoleFormat { Text = 0, JsonLines };

struct ConsoleSettings {
  ConsoleFormat format = ConsoleFormat::Text;
  bool verbose = false;        // plugins' information records too
  std::FILE* stream = stderr;  // nullptr: nothing reaches a console
};

// Replaces the console's settings for the rest of the process (the CLI calls it once it has
// parsed --json and --verbose). Until then: Text, not verbose, stderr.
void configureConsole(const ConsoleSettings& settings);
ConsoleSettings consoleSettings();

void write(Level level, Origin origin, std::string_view source, std::string_view message) noexcept;

// Receives every record at or above `threshold`, on the thread that wrote it, until the returned
// handle is destroyed (then no call is running or will start). The callback must not call write().
class Subscription {
 public:
  Subscription() = default;
  ~Subscription();
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  bool active() const { return id_ != 0; }

 private:
  friend Subscription subscribe(Level, std::function<void(const Record&)>);
  explicit Subscription(long id) : id_(id) {}
  long id_ = 0;
};

[[nodiscard]] Subscription subscribe(Level threshold, std::function<void(const Record&)> receive);

// The console's progress line. `text` is shown in Text format, `jsonEvent` (one JSON object,
// already serialised) in JsonLines format. On a terminal in Text format the line is redrawn in
// place until closeProgress() ends it; elsewhere each call prints one line.
void showProgress(std::string_view text, std::string_view jsonEvent);
void closeProgress();
// True when progress is redrawn in place (Text format on a terminal): callers redraw often then.
bool progressRedrawsInPlace();

}  // namespace winnow::log
