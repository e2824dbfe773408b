// A multi-sample `label` is one transaction (issue 15 §2): killed while it runs, it leaves none
// of its samples relabelled, never some of them (a killed label of 250 ids once left 195 applied).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using winnow::test::parseJson;
using winnow::test::runWinnow;
using winnow::test::TempDir;

TEST(LabelTransaction, AKilledMultiSampleLabelAppliesAllOrNothing) {
  TempDir dir("winnow-label-transaction");
  // 800 small, distinct pictures in class "a".
  fs::create_directories(dir / "data" / "a");
  for (int i = 0; i < 800; ++i) {
    cv::Mat picture(16, 16, CV_8UC3, cv::Scalar(i % 256, (i / 256) * 60, (i * 7) % 256));
    picture.at<cv::Vec3b>(i % 16, (i / 16) % 16) = cv::Vec3b(255, 255, 255);
    ASSERT_TRUE(cv::imwrite((dir / "data" / "a" / ("p" + std::to_string(i) + ".png")).string(), picture));
  }
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "data").string()}, dir).exitCode, 0);
  std::vector<std::string> ids;
  for (const auto& sample : parseJson(runWinnow({"samples", project, "--json"}, dir))) {
    ids.push_back(std::to_string(sample["id"].get<std::int64_t>()));
  }
  ASSERT_EQ(ids.size(), 800U);

  auto countLabelled = [&](const std::string& label) {
    std::size_t n = 0;
    for (const auto& sample : parseJson(runWinnow({"samples", project, "--json"}, dir))) {
      if (sample["label"] == label) ++n;
    }
    return n;
  };

  int killedMidway = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string label = "b" + std::to_string(attempt);
    std::vector<std::string> args = {WINNOW_CLI, "label", project, label};
    args.insert(args.end(), ids.begin(), ids.end());
    args.push_back("--new-class");
    const pid_t child = ::fork();
    if (child == 0) {
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execv(WINNOW_CLI, argv.data());
      ::_exit(127);
    }
    // Kill it as soon as its run is recorded (the runs row comes before the decisions).
    bool running = false;
    int status = 0;
    for (int i = 0; i < 400 && !running; ++i) {
      if (::waitpid(child, &status, WNOHANG) == child) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const auto runs = runWinnow({"runs", project, "--json"}, dir);
      running = runs.exitCode == 0 && runs.out.find("\"running\"") != std::string::npos;
    }
    if (running) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
    }
    const std::size_t labelled = countLabelled(label);
    if (WIFSIGNALED(status)) {
      ++killedMidway;
      EXPECT_TRUE(labelled == 0 || labelled == ids.size()) << "a killed label left " << labelled << " of " << ids.size();
    } else {
      EXPECT_EQ(labelled, ids.size());
    }
    EXPECT_EQ(runWinnow({"check", project}, dir).exitCode, 0);
  }
  // Where no kill landed while it ran, the test proved nothing: say so rather than pass silently.
  if (killedMidway == 0) GTEST_SKIP() << "every label finished before it could be killed";
}
