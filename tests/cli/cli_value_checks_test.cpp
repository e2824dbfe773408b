// "Values are checked, not guessed" (issue 12, section 8): every row of docs/cli.md's "Common
// mistakes" table, run against the built `winnow` on a small project of generated images. Each
// mistake gives one line on stderr, the documented exit code and, where it helps, "did you mean".
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::parseJson;
using test::quote;
using test::runWinnow;
using test::TempDir;

// One line on stderr holding `text`; the exit code `code`.
void expectOneLine(const CommandResult& result, int code, const std::string& text) {
  EXPECT_EQ(result.exitCode, code) << result.err;
  EXPECT_NE(result.err.find(text), std::string::npos) << "stderr:\n" << result.err;
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "more than one line:\n" << result.err;
}

// A project "p" of two classes (fake, real), 4 generated noise images each, ingested and split.
class CliValueChecks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("winnow-cli-values");
    int seed = 1;
    for (const std::string label : {"fake", "real"}) {
      fs::create_directories(*dir_ / ("in/" + label));
      for (int i = 0; i < 4; ++i) {
        cv::Mat image(48, 48, CV_8UC3);
        cv::theRNG().state = static_cast<std::uint64_t>(seed++);
        cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
        cv::imwrite((*dir_ / ("in/" + label + "/" + std::to_string(i) + ".png")).string(), image);
      }
    }
    project_ = (*dir_ / "p").string();
    ASSERT_EQ(runWinnow({"init", project_}, *dir_).exitCode, 0);
    auto ingested = runWinnow({"ingest", project_, (*dir_ / "in").string()}, *dir_);
    ASSERT_EQ(ingested.exitCode, 0) << ingested.err;
    auto split = runWinnow({"split", project_, "--ratios", "50,25,25"}, *dir_);
    ASSERT_EQ(split.exitCode, 0) << split.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  CommandResult run(const std::vector<std::string>& args) { return runWinnow(args, *dir_); }
  std::string firstId() {
    auto samples = parseJson(run({"samples", project_, "--limit", "1", "--json"}));
    return std::to_string(samples.at(0).at("id").get<long long>());
  }

  static TempDir* dir_;
  static std::string project_;
};

TempDir* CliValueChecks::dir_ = nullptr;
std::string CliValueChecks::project_;

TEST_F(CliValueChecks, MistypedCommandGetsOneLineAndASuggestion) {
  expectOneLine(run({"ingset"}), 2, "error: unknown command 'ingset' (did you mean 'ingest'?); 'winnow --help' lists the commands");
  expectOneLine(run({"frobnicate"}), 2, "error: unknown command 'frobnicate'; 'winnow --help'");
}

TEST_F(CliValueChecks, MissingPositionalArgumentsAreNamedAsTheUsageShowsThem) {
  expectOneLine(run({"ingest"}), 2, "error: winnow ingest: missing <project> <folder>: usage: winnow ingest <project> <folder>");
  expectOneLine(run({"ingest", project_}), 2, "error: winnow ingest: missing <folder>: usage: winnow ingest <project> <folder>");
  expectOneLine(run({"label", project_, "fake"}), 2, "error: winnow label: missing <sample-id>...: usage:");
  auto noOption = run({"export", project_});
  expectOneLine(noOption, 2, "error: winnow export: missing --output: usage:");
  EXPECT_EQ(noOption.err.find("--folder"), std::string::npos);
}

TEST_F(CliValueChecks, MistypedOptionGetsASuggestion) {
  expectOneLine(run({"samples", project_, "--klass", "fake"}), 2,
                "error: winnow samples: unknown option '--klass' (did you mean '--class'?)");
}

TEST_F(CliValueChecks, UnknownClassSplitOrStatusInSamplesIsAnError) {
  expectOneLine(run({"samples", project_, "--class", "fakee"}), 2,
                "error: --class: unknown class 'fakee' (did you mean 'fake'?); classes in the project: fake, real");
  expectOneLine(run({"samples", project_, "--split", "tst"}), 2,
                "error: --split: unknown split 'tst' (did you mean 'test'?); splits: test, train, val");
  expectOneLine(run({"samples", project_, "--status", "rejectd"}), 2,
                "error: --status: unknown status 'rejectd' (did you mean 'rejected'?)");
  // --json: the same message as a JSON document on stdout.
  auto json = run({"samples", project_, "--class", "fakee", "--json"});
  EXPECT_EQ(json.exitCode, 2);
  auto document = parseJson(json);
  EXPECT_EQ(document["ok"], false);
  EXPECT_NE(document["error"].get<std::string>().find("did you mean 'fake'?"), std::string::npos);
  // Known names still work, and a known status nobody has is an empty list, not an error.
  EXPECT_EQ(parseJson(run({"samples", project_, "--class", "fake", "--json"})).size(), 4u);
  auto none = run({"samples", project_, "--status", "rejected"});
  EXPECT_EQ(none.exitCode, 0) << none.err;
}

TEST_F(CliValueChecks, LabelWithAnUnknownClassNeedsNewClass) {
  const std::string id = firstId();
  expectOneLine(run({"label", project_, "nosuchclass", id}), 2,
                "error: unknown class 'nosuchclass'; classes in the project: fake, real; "
                "to create class 'nosuchclass', add --new-class");
  expectOneLine(run({"label", project_, "reall", id}), 2, "unknown class 'reall' (did you mean 'real'?)");
  EXPECT_EQ(parseJson(run({"samples", project_, "--json"})).size(), 8u);
  auto created = run({"label", project_, "newclass", id, "--new-class"});
  EXPECT_EQ(created.exitCode, 0) << created.err;
  EXPECT_EQ(parseJson(run({"samples", project_, "--class", "newclass", "--json"})).size(), 1u);
  ASSERT_EQ(run({"undo", project_}).exitCode, 0);
}

TEST_F(CliValueChecks, LabelOnALockedStoreFailsWithExitOneNotBadInputs) {
  // Another process holds the store's write lock (as a long write transaction would).
  const fs::path ready = *dir_ / "lock-ready";
  const std::string script =
      "import os,sqlite3,sys,time\n"
      "c=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=30)\n"
      "c.execute('BEGIN EXCLUSIVE')\n"
      "open(sys.argv[2],'w').write(str(os.getpid()))\n"
      "time.sleep(40)\n";
  std::ofstream(*dir_ / "lock.py") << script;
  ASSERT_EQ(std::system(("/usr/bin/python3 " + quote((*dir_ / "lock.py").string()) + " " +
                         quote(project_ + "/winnow.db") + " " + quote(ready.string()) + " &")
                            .c_str()),
            0);
  for (int i = 0; i < 200 && !fs::exists(ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(ready));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // pid written
  const std::string id = firstId();
  auto locked = run({"label", project_, "real", id});
  int pid = 0;
  std::ifstream(ready) >> pid;
  if (pid > 0) ::kill(pid, SIGTERM);
  expectOneLine(locked, 1,
                "error: project '" + project_ +
                    "' is locked: another winnow command or the workbench is writing to its store; "
                    "nothing was changed, try again when it has finished (begin run: database is locked)");
}

TEST_F(CliValueChecks, UnknownFlagOrMeasureIsAnErrorAKnownEmptyFlagIsNot) {
  auto quality = run({"quality", project_});
  ASSERT_EQ(quality.exitCode, 0) << quality.err;
  expectOneLine(run({"flagged", project_, "--flag", "blury"}), 2,
                "error: --flag: unknown flag 'blury' (did you mean 'blurry'?); flags: blurry,");
  expectOneLine(run({"flagged", project_, "--measure", "brightnes"}), 2,
                "error: --measure: unknown measure 'brightnes' (did you mean 'brightness'?); measures in the project:");
  auto known = run({"flagged", project_, "--flag", "several_faces"});
  EXPECT_EQ(known.exitCode, 0) << known.err;
  EXPECT_NE(known.out.find("no samples with flag several_faces"), std::string::npos) << known.out;
}

TEST_F(CliValueChecks, ExportChecksFormatAndSplit) {
  const std::string out = (*dir_ / "out.h5").string();
  expectOneLine(run({"export", project_, "--format", "coco", "--output", out}), 2,
                "error: --format: unknown exporter 'coco'; exporters of the loaded plugins (winnow plugins lists them): "
                "hdf5, imagefolder");
  expectOneLine(run({"export", project_, "--format", "hdf", "--output", out}), 2, "(did you mean 'hdf5'?)");
  expectOneLine(run({"export", project_, "--split", "tst", "--output", out}), 2,
                "error: --split: unknown split 'tst' (did you mean 'test'?)");
  expectOneLine(run({"export", project_, "--face-crops", "haarr", "--output", out}), 2,
                "error: --face-crops: unknown detector 'haarr' (did you mean 'haar'?)");
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliValueChecks, MissingPluginPathFolderIsRefused) {
  const std::string missing = (*dir_ / "no-such-plugins").string();
  expectOneLine(run({"plugins", "--plugin-path", missing}), 2,
                "error: --plugin-path '" + missing + "': no such folder");
  expectOneLine(run({"export", project_, "--output", (*dir_ / "x.h5").string(), "--plugin-path", missing}), 2,
                "no such folder");
}

TEST_F(CliValueChecks, DetectorBalancerAndAugmenterNamesAreChecked) {
  expectOneLine(run({"detect", project_, "--detector", "haarr"}), 2,
                "error: --detector: unknown detector 'haarr' (did you mean 'haar'?); detectors of the loaded plugins");
  expectOneLine(run({"crops", project_, "--detector", "haarr"}), 2,
                "error: --detector: unknown detector 'haarr' (did you mean 'haar'?); detectors (loaded or run on the project)");
  expectOneLine(run({"balance", project_, "--balancer", "target_cout", "--dry-run"}), 2,
                "error: --balancer: unknown balancer 'target_cout' (did you mean 'target_count'?)");
  expectOneLine(run({"balance", project_, "--augmenter", "hflp", "--dry-run"}), 2,
                "error: --augmenter: unknown augmenter 'hflp' (did you mean 'hflip'?)");
  expectOneLine(run({"balance", project_, "-p", "target=class", "-p", "target_class=fak", "--dry-run"}), 2,
                "error: -p target_class: unknown class 'fak' (did you mean 'fake'?)");
}

}  // namespace
}  // namespace winnow
