// The one logger (winnow/log/log.hpp): what the console prints in each format, who sees which
// level, subscriptions, and the progress line sharing the console with records.
#include "winnow/log/log.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"

namespace winnow {
namespace {

// Points the console at a temporary file for one test and puts the previous settings back.
class CapturedConsole {
 public:
  explicit CapturedConsole(log::ConsoleFormat format, bool verbose = false)
      : previous_(log::consoleSettings()), file_(std::tmpfile()) {
    log::ConsoleSettings settings;
    settings.format = format;
    settings.verbose = verbose;
    settings.stream = file_;
    log::configureConsole(settings);
  }
  ~CapturedConsole() {
    log::configureConsole(previous_);
    if (file_ != nullptr) std::fclose(file_);
  }
  CapturedConsole(const CapturedConsole&) = delete;
  CapturedConsole& operator=(const CapturedConsole&) = delete;

  std::vector<std::string> lines() const {
    std::fflush(file_);
    std::rewind(file_);
    std::vector<std::string> out;
    std::string line;
    for (int c = std::fgetc(file_); c != EOF; c = std::fgetc(file_)) {
      if (c == '\n') {
        out.push_back(line);
        line.clear();
      } else {
        line += static_cast<char>(c);
      }
    }
    if (!line.empty()) out.push_back(line);
    std::fseek(file_, 0, SEEK_END);
    return out;
  }

 private:
  log::ConsoleSettings previous_;
  std::FILE* file_;
};

TEST(Log, TextFormatNamesLevelAndSourceAndHidesPluginInformationUnlessVerbose) {
  CapturedConsole console(log::ConsoleFormat::Text);
  log::write(log::Level::Warning, log::Origin::Job, "ingest", "a.jpg: cannot decode");
  log::write(log::Level::Info, log::Origin::Job, "ingest", "skipped b.txt");
  log::write(log::Level::Info, log::Origin::Plugin, "fixture.good", "created");
  log::write(log::Level::Debug, log::Origin::Host, "train", "rendezvous");
  log::write(log::Level::Warning, log::Origin::Plugin, "fixture.good", "slow");
  log::write(log::Level::Error, log::Origin::Host, "train", "rank 1 of 2 exited");
  const std::vector<std::string> expected = {"warning: a.jpg: cannot decode", "skipped b.txt",
                                             "[fixture.good] warning: slow", "[train] error: rank 1 of 2 exited"};
  EXPECT_EQ(console.lines(), expected);
}

TEST(Log, VerboseShowsPluginInformationButNotDebug) {
  CapturedConsole console(log::ConsoleFormat::Text, /*verbose=*/true);
  log::write(log::Level::Info, log::Origin::Plugin, "fixture.good", "created");
  log::write(log::Level::Debug, log::Origin::Plugin, "winnow.plugin-host", "loading fixture.good");
  const std::vector<std::string> expected = {"[fixture.good] created"};
  EXPECT_EQ(console.lines(), expected);
}

TEST(Log, TextIsTerminalSafe) {
  CapturedConsole console(log::ConsoleFormat::Text);
  log::write(log::Level::Warning, log::Origin::Plugin, "evil\x1b[31m", "red\x1b[0m text\rforged");
  const auto lines = console.lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0], "[\"evil\\x1b[31m\"] warning: red\\x1b[0m text\\rforged");
}

TEST(Log, JsonLinesKeepTheEventShapesScriptsRead) {
  CapturedConsole console(log::ConsoleFormat::JsonLines);
  log::write(log::Level::Warning, log::Origin::Job, "ingest", "a.jpg: cannot decode");
  log::write(log::Level::Info, log::Origin::Plugin, "fixture.good", "hidden without verbose");
  log::write(log::Level::Error, log::Origin::Plugin, "fixture.good", "failed");
  log::write(log::Level::Warning, log::Origin::Host, "train", "killing them");
  log::write(log::Level::Warning, log::Origin::Job, "ingest", std::string("bad byte \xff"));
  const auto lines = console.lines();
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(nlohmann::json::parse(lines[0]),
            (nlohmann::json{{"event", "warning"}, {"task", "ingest"}, {"message", "a.jpg: cannot decode"}}));
  EXPECT_EQ(nlohmann::json::parse(lines[1]), (nlohmann::json{{"event", "plugin_log"},
                                                             {"level", "error"},
                                                             {"plugin", "fixture.good"},
                                                             {"message", "failed"}}));
  EXPECT_EQ(nlohmann::json::parse(lines[2]),
            (nlohmann::json{{"event", "warning"}, {"source", "train"}, {"message", "killing them"}}));
  EXPECT_EQ(nlohmann::json::parse(lines[3])["message"], "bad byte \xEF\xBF\xBD") << "invalid UTF-8 is replaced";
}

TEST(Log, JobMessagesAreRecordsWithTheTaskAsSource) {
  CapturedConsole console(log::ConsoleFormat::Text);
  std::vector<log::Record> seen;
  {
    log::Subscription subscription =
        log::subscribe(log::Level::Info, [&seen](const log::Record& record) { seen.push_back(record); });
    job::JobContext job(job::ProgressStyle::Silent);
    job.begin("dupes", 3);
    job.warn("c.png: unreadable");
    job.info("3 clusters");
    log::write(log::Level::Debug, log::Origin::Host, "train", "below the threshold");
    job.finish();
  }
  log::write(log::Level::Warning, log::Origin::Host, "train", "after unsubscribing");
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].level, log::Level::Warning);
  EXPECT_EQ(seen[0].origin, log::Origin::Job);
  EXPECT_EQ(seen[0].source, "dupes");
  EXPECT_EQ(seen[0].message, "c.png: unreadable");
  EXPECT_EQ(seen[1].level, log::Level::Info);
  EXPECT_EQ(log::describe(seen[0]), "warning: c.png: unreadable");
  const std::vector<std::string> expected = {"warning: c.png: unreadable", "3 clusters", "[train] warning: after unsubscribing"};
  EXPECT_EQ(console.lines(), expected) << "a Silent job draws no progress but its messages still show";
}

TEST(Log, ProgressAndRecordsShareTheConsole) {
  CapturedConsole console(log::ConsoleFormat::Text);  // a file, not a terminal: progress prints lines
  ASSERT_FALSE(log::progressRedrawsInPlace());
  job::JobContext job(job::ProgressStyle::Console);
  job.begin("quality", 2);
  job.warn("a.jpg: too dark to measure");
  job.advance(2);
  job.finish();
  const auto lines = console.lines();
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].rfind("quality: 0/2 (0%)", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1], "warning: a.jpg: too dark to measure");
  EXPECT_EQ(lines[2].rfind("quality: 2/2 (100%)", 0), 0U) << lines[2];
}

TEST(Log, JsonProgressEventsAreObjects) {
  CapturedConsole console(log::ConsoleFormat::JsonLines);
  job::JobContext job(job::ProgressStyle::Console);
  job.begin("export", 4);
  job.advance(4);
  job.finish();
  const auto lines = console.lines();
  ASSERT_EQ(lines.size(), 2U);
  const auto last = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(last["event"], "progress");
  EXPECT_EQ(last["task"], "export");
  EXPECT_EQ(last["done"], 4);
  EXPECT_EQ(last["total"], 4);
}

TEST(Log, ManyThreadsWriteWholeLines) {
  CapturedConsole console(log::ConsoleFormat::Text);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) {
        log::write(log::Level::Warning, log::Origin::Job, "t", "thread " + std::to_string(t) + " line " + std::to_string(i));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto lines = console.lines();
  ASSERT_EQ(lines.size(), 800U);
  for (const auto& line : lines) EXPECT_EQ(line.rfind("warning: thread ", 0), 0U) << line;
}

}  // namespace
}  // namespace winnow
