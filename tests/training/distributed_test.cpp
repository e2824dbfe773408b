// Data-parallel training: the sharding contract, 2 ranks on 127.0.0.1 against one process on the
// same global batches, resuming, and a rank that is killed or hangs.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "training_fixture.hpp"
#include "winnow/training/distributed.hpp"
#include "winnow/training/local_ranks.hpp"
#include "winnow/training/model_file.hpp"

namespace fs = std::filesystem;
namespace tr = winnow::training;
using Clock = std::chrono::steady_clock;

namespace {

nlohmann::json readJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The parameters every run here shares: a step that depends only on which images form the global
// batch (no dropout, no augmentation, batch norm on running statistics), one thread per process.
std::vector<std::string> sameStepParams(int epochs) {
  return {"-p", "backbone=small_cnn",      "-p", "epochs=" + std::to_string(epochs),
          "-p", "linear_probe_baseline=false", "-p", "patience=0",
          "-p", "batch_norm=frozen",       "-p", "head={\"dropout\":0}",
          "-p", "augment={\"flip\":0}",    "-p", "threads=1",
          "-p", "schedule=constant",       "-p", "learning_rate=0.003"};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double largestDifference(const fs::path& a, const fs::path& b, double* largestValue = nullptr) {
  const tr::ModelFile left = tr::readModelFile(a);
  const tr::ModelFile right = tr::readModelFile(b);
  EXPECT_EQ(left.state.size(), right.state.size());
  double largest = 0, value = 0;
  for (const auto& [name, tensor] : left.state) {
    const auto found = right.state.find(name);
    if (found == right.state.end()) {
      ADD_FAILURE() << name << " missing in " << b;
      continue;
    }
    if (!tensor.is_floating_point()) continue;
    largest = std::max(largest, (tensor - found->second).abs().max().item<double>());
    value = std::max(value, tensor.abs().max().item<double>());
  }
  if (largestValue != nullptr) *largestValue = value;
  return largest;
}

// A process started the way a launcher starts a rank: this environment, stderr to a file.
struct Rank {
  pid_t pid = -1;
  fs::path stderrPath;
};

Rank startWinnow(const std::vector<std::string>& args, const std::map<std::string, std::string>& environment,
                 const fs::path& stderrPath) {
  Rank rank;
  rank.stderrPath = stderrPath;
  rank.pid = ::fork();
  if (rank.pid == 0) {
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    const int err = ::open(stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    const int out = ::open("/dev/null", O_WRONLY);
    if (out >= 0) ::dup2(out, STDOUT_FILENO);
    std::vector<std::string> argv = {WINNOW_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    ::execv(WINNOW_CLI, pointers.data());
    ::_exit(127);
  }
  return rank;
}

// Waits up to `limit` for pid; returns its wait status, or -1 when it is still running.
int waitFor(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

bool waitForFile(const fs::path& path, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (fs::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The child of `parent` whose environment holds RANK=<rank>.
pid_t childWithRank(pid_t parent, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = readText(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    int ppid = 0;
    fields >> state >> ppid;
    if (ppid != parent) continue;
    const std::string variables = std::string(1, '\0') + readText(entry.path() / "environ");
    const std::string wanted = std::string(1, '\0') + "RANK=" + std::to_string(rank) + std::string(1, '\0');
    if (variables.find(wanted) != std::string::npos) return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

std::vector<std::string> leftoverTempFiles(const fs::path& dir) {
  std::vector<std::string> found;
  if (!fs::exists(dir)) return found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp") != std::string::npos) found.push_back(entry.path().filename());
  }
  return found;
}

}  // namespace

TEST(EpochShard, AWorldOfOneKeepsTheSingleProcessOrderAndRanksShareEveryRow) {
  const auto whole = tr::epochShard(10, 5, 3, 0, 1);
  ASSERT_EQ(whole.size(), 10U);
  EXPECT_EQ(std::set<std::int64_t>(whole.begin(), whole.end()).size(), 10U);
  for (int world : {2, 3, 4}) {
    std::multiset<std::int64_t> all;
    for (int rank = 0; rank < world; ++rank) {
      const auto shard = tr::epochShard(10, 5, 3, rank, world);
      EXPECT_EQ(shard.size(), static_cast<std::size_t>((10 + world - 1) / world)) << "world " << world;
      all.insert(shard.begin(), shard.end());
    }
    // Every row once, plus the padding: the head of the permutation again.
    for (std::int64_t row = 0; row < 10; ++row) EXPECT_GE(all.count(row), 1U) << "world " << world << " row " << row;
    EXPECT_EQ(all.size() - 10, static_cast<std::size_t>((world - 10 % world) % world));
  }
  // Another epoch, another order; the same epoch, the same order on every call.
  EXPECT_NE(tr::epochShard(10, 5, 4, 0, 1), whole);
  EXPECT_EQ(tr::epochShard(10, 5, 3, 0, 1), whole);
}

TEST(EpochShard, LocalBatchesTogetherAreTheGlobalBatchOfOneProcess) {
  const std::int64_t count = 24, batch = 3;
  const int world = 2;
  const auto order = tr::epochShard(count, 9, 1, 0, 1);
  const auto shard0 = tr::epochShard(count, 9, 1, 0, world);
  const auto shard1 = tr::epochShard(count, 9, 1, 1, world);
  for (std::int64_t b = 0; b < count / (batch * world); ++b) {
    std::multiset<std::int64_t> local(shard0.begin() + b * batch, shard0.begin() + (b + 1) * batch);
    local.insert(shard1.begin() + b * batch, shard1.begin() + (b + 1) * batch);
    const std::multiset<std::int64_t> global(order.begin() + b * batch * world, order.begin() + (b + 1) * batch * world);
    EXPECT_EQ(local, global) << "batch " << b;
  }
  EXPECT_EQ(tr::interleavedRows(5, 1, 2), (std::vector<std::int64_t>{1, 3}));
}

TEST(DistributedEnvironment, ReadsTorchrunVariablesAndNamesTheBadOne) {
  const std::vector<const char*> names = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                                          "WINNOW_DIST_TIMEOUT", "WINNOW_DIST_BACKEND"};
  for (const char* name : names) ::unsetenv(name);
  EXPECT_FALSE(tr::distributedEnvironmentFromVariables().distributed());
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "2", 1);
  ::setenv("LOCAL_RANK", "0", 1);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  ::setenv("MASTER_ADDR", "10.1.2.3", 1);
  ::setenv("MASTER_PORT", "29511", 1);
  ::setenv("WINNOW_DIST_TIMEOUT", "42", 1);
  const auto environment = tr::distributedEnvironmentFromVariables();
  EXPECT_EQ(environment.rank, 2);
  EXPECT_EQ(environment.worldSize, 4);
  EXPECT_EQ(environment.localWorldSize, 2);
  EXPECT_EQ(environment.masterAddr, "10.1.2.3");
  EXPECT_EQ(environment.masterPort, 29511);
  EXPECT_EQ(environment.timeout.count(), 42);
  ::setenv("RANK", "4", 1);
  try {
    tr::distributedEnvironmentFromVariables();
    ADD_FAILURE() << "RANK 4 of 4 accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("RANK=4"), std::string::npos) << error.what();
  }
  ::setenv("RANK", "1", 1);
  ::unsetenv("MASTER_PORT");
  try {
    tr::distributedEnvironmentFromVariables();
    ADD_FAILURE() << "no MASTER_PORT accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("MASTER_PORT"), std::string::npos) << error.what();
  }
  for (const char* name : names) ::unsetenv(name);
}

// Must-show 1: two ranks with local batch B end where one process with batch 2B ends; the
// checkpoint resumes, with the same world size only.
TEST(DistributedTraining, TwoRanksMatchOneProcessOnTheSameGlobalBatchesAndResume) {
  winnow::test::TempDir dir("distributed-match");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir.path(), {"circle_red", "square_blue", "circle_green"}, 20, 32);
  ASSERT_FALSE(dataset.empty());
  const auto one = winnow::test::runWinnow(
      concat({"train", dataset.string(), "-o", (dir / "one").string(), "--json", "-p", "batch_size=12"}, sameStepParams(3)), dir);
  ASSERT_EQ(one.exitCode, 0) << one.err;
  const auto two = winnow::test::runWinnow(
      concat({"train", dataset.string(), "-o", (dir / "two").string(), "--json", "--nproc", "2", "-p", "batch_size=6"},
             sameStepParams(3)),
      dir);
  ASSERT_EQ(two.exitCode, 0) << two.err;
  const nlohmann::json single = winnow::test::parseJson(one);
  const nlohmann::json parallel = winnow::test::parseJson(two);
  // An odd train split would add a padded duplicate that one process never sees.
  ASSERT_EQ(single["rows"]["train"].get<int>() % 2, 0) << single["rows"];
  ASSERT_TRUE(parallel.contains("distributed")) << parallel.dump();
  EXPECT_EQ(parallel["distributed"]["world_size"], 2);
  EXPECT_EQ(parallel["distributed"]["rank"], 0);
  EXPECT_EQ(parallel["distributed"]["backend"], "gloo");
  EXPECT_EQ(parallel["distributed"]["global_batch_size"], 12);

  double largestWeight = 0;
  const double difference = largestDifference(dir / "one" / "model.h5", dir / "two" / "model.h5", &largestWeight);
  // float32 sums in another order: about 1e-6 measured after 3 epochs; weights are O(1).
  EXPECT_LT(difference, 1e-4) << "largest weight " << largestWeight;
  EXPECT_GT(largestWeight, 0.1);
  const auto a = readJson(dir / "one" / "metrics.json")["epochs"];
  const auto b = readJson(dir / "two" / "metrics.json")["epochs"];
  ASSERT_EQ(a.size(), 3U);
  ASSERT_EQ(b.size(), 3U);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i]["train_loss"].get<double>(), b[i]["train_loss"].get<double>(), 1e-4) << "epoch " << i + 1;
    EXPECT_NEAR(a[i]["val_loss"].get<double>(), b[i]["val_loss"].get<double>(), 1e-4) << "epoch " << i + 1;
    EXPECT_DOUBLE_EQ(a[i]["val_accuracy"].get<double>(), b[i]["val_accuracy"].get<double>()) << "epoch " << i + 1;
  }
  // Validation and test figures are over every row (gathered), so they equal one process's.
  EXPECT_DOUBLE_EQ(single["test"]["accuracy"].get<double>(), parallel["test"]["accuracy"].get<double>());
  EXPECT_EQ(single["test"]["confusion_matrix"], parallel["test"]["confusion_matrix"]);
  EXPECT_TRUE(leftoverTempFiles(dir / "two").empty());

  // The all-reduce after backward (no hooks) reaches the same weights as the overlapped one.
  std::string afterBackward = "WINNOW_DIST_OVERLAP=0 " + winnow::test::quote(WINNOW_CLI);
  for (const auto& arg : concat({"train", dataset.string(), "-o", (dir / "after").string(), "--nproc", "2", "-p", "batch_size=6"},
                                sameStepParams(3))) {
    afterBackward += " " + winnow::test::quote(arg);
  }
  const auto after = winnow::test::runCommand(afterBackward, dir);
  ASSERT_EQ(after.exitCode, 0) << after.err;
  EXPECT_LT(largestDifference(dir / "two" / "model.h5", dir / "after" / "model.h5"), 1e-5);

  // Resume: 2 epochs, then on to 3, equals the straight 3-epoch run (the schedule is constant).
  const auto part = winnow::test::runWinnow(
      concat({"train", dataset.string(), "-o", (dir / "resumed").string(), "--nproc", "2", "-p", "batch_size=6"},
             concat(sameStepParams(2), {})),
      dir);
  ASSERT_EQ(part.exitCode, 0) << part.err;
  auto resumeArgs = concat({"train", dataset.string(), "-o", (dir / "resumed").string(), "--resume", "-p", "batch_size=6"},
                           sameStepParams(3));
  const auto wrongWorld = winnow::test::runWinnow(resumeArgs, dir);
  EXPECT_EQ(wrongWorld.exitCode, 1);
  EXPECT_NE(wrongWorld.err.find("trained by 2 process(es), this run has 1"), std::string::npos) << wrongWorld.err;
  resumeArgs.insert(resumeArgs.begin() + 1, {"--nproc", "2"});
  const auto resumed = winnow::test::runWinnow(resumeArgs, dir);
  ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming at epoch 3"), std::string::npos) << resumed.err;
  EXPECT_EQ(readJson(dir / "resumed" / "metrics.json")["epochs"].size(), 3U);
  EXPECT_LT(largestDifference(dir / "two" / "model.h5", dir / "resumed" / "model.h5"), 1e-5);
}

// Must-show 3: a rank killed mid-epoch. The other notices at its next exchange and exits 1 with
// one line; the launcher exits with the killed rank's status (128 + 9); no model file is left.
TEST(DistributedTraining, AKilledRankStopsTheOtherWithOneLine) {
  winnow::test::TempDir dir("distributed-killed");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir.path(), {"red", "blue"}, 40, 32);
  ASSERT_FALSE(dataset.empty());
  const fs::path runDir = dir / "run";
  const auto launcher = startWinnow(
      concat({"train", dataset.string(), "-o", runDir.string(), "--nproc", "2", "--dist-timeout", "20", "-p", "batch_size=2"},
             sameStepParams(200)),
      {}, dir / "launcher.err");
  ASSERT_TRUE(waitForFile(runDir / "metrics.json", std::chrono::seconds(120))) << readText(dir / "launcher.err");
  const pid_t rank1 = childWithRank(launcher.pid, 1);
  ASSERT_GT(rank1, 0);
  const auto killedAt = Clock::now();
  ::kill(rank1, SIGKILL);
  const int status = waitFor(launcher.pid, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - killedAt).count();
  if (status == -1) ::kill(launcher.pid, SIGKILL);
  ASSERT_NE(status, -1) << "the launcher did not stop within 60 s";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGKILL);
  EXPECT_LT(seconds, 20.0) << "rank 0 should notice the closed connection, not wait for the timeout";
  const std::string err = readText(dir / "launcher.err");
  EXPECT_NE(err.find("rank 1 of 2 (pid " + std::to_string(rank1) + ") was killed by signal 9"), std::string::npos) << err;
  EXPECT_NE(err.find("rank 0 of 2: lost the process group"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(runDir / "model.h5"));
  EXPECT_TRUE(fs::exists(runDir / "checkpoint.pt"));
  EXPECT_TRUE(leftoverTempFiles(runDir).empty());
}

// A rank that hangs (stopped, its sockets open): the other gives up after WINNOW_DIST_TIMEOUT.
// The ranks are started as torchrun starts them, from the environment alone.
TEST(DistributedTraining, AHungRankIsGivenUpAfterTheTimeout) {
  winnow::test::TempDir dir("distributed-hung");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir.path(), {"red", "blue"}, 40, 32);
  ASSERT_FALSE(dataset.empty());
  const fs::path runDir = dir / "run";
  const std::string port = std::to_string(tr::freeLoopbackPort());
  std::vector<Rank> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.push_back(startWinnow(concat({"train", dataset.string(), "-o", runDir.string(), "-p", "batch_size=2"}, sameStepParams(200)),
                                {{"RANK", std::to_string(rank)},
                                 {"LOCAL_RANK", std::to_string(rank)},
                                 {"WORLD_SIZE", "2"},
                                 {"LOCAL_WORLD_SIZE", "2"},
                                 {"MASTER_ADDR", "127.0.0.1"},
                                 {"MASTER_PORT", port},
                                 {"WINNOW_DIST_TIMEOUT", "5"}},
                                dir / ("rank" + std::to_string(rank) + ".err")));
  }
  ASSERT_TRUE(waitForFile(runDir / "metrics.json", std::chrono::seconds(120))) << readText(dir / "rank0.err");
  ::kill(ranks[1].pid, SIGSTOP);
  const auto stoppedAt = Clock::now();
  const int status = waitFor(ranks[0].pid, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - stoppedAt).count();
  ::kill(ranks[1].pid, SIGKILL);
  ::waitpid(ranks[1].pid, nullptr, 0);
  if (status == -1) ::kill(ranks[0].pid, SIGKILL);
  ASSERT_NE(status, -1) << "rank 0 did not give up within 60 s";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_GE(seconds, 4.0);
  EXPECT_LT(seconds, 30.0);
  const std::string err = readText(dir / "rank0.err");
  EXPECT_NE(err.find("rank 0 of 2: lost the process group"), std::string::npos) << err;
  EXPECT_NE(err.find("within 5 s"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(runDir / "model.h5"));
  EXPECT_TRUE(leftoverTempFiles(runDir).empty());
}
