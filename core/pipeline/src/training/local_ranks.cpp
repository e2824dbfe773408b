#include "winnow/training/local_ranks.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "winnow/log/log.hpp"

namespace winnow::training {

namespace {

volatile sig_atomic_t forwardedSignal = 0;
volatile pid_t rankGroup = 0;

void forward(int signal) {
  forwardedSignal = signal;
  if (rankGroup > 0) ::kill(-rankGroup, signal);
}

std::string describeStatus(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return std::string("was killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

int exitCodeOf(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("no free port on 127.0.0.1: " + reason);
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

int runLocalRanks(const LocalRanksRequest& request) {
  if (request.processes < 1) throw std::invalid_argument("--nproc must be at least 1");
  const int port = freeLoopbackPort();
  // The resolved path, so that ps and /proc show what runs (argv[0] = /proc/self/exe would not).
  std::error_code ec;
  const std::string executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw std::runtime_error(std::string("cannot find this executable: ") + ec.message());
  std::vector<std::string> argv = {executable};
  argv.insert(argv.end(), request.arguments.begin(), request.arguments.end());
  std::vector<char*> argvPointers;
  for (auto& argument : argv) argvPointers.push_back(argument.data());
  argvPointers.push_back(nullptr);
  const pid_t parent = ::getpid();

  std::vector<pid_t> ranks;
  for (int rank = 0; rank < request.processes; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      log::write(log::Level::Error, log::Origin::Host, "train",
                 "cannot start rank " + std::to_string(rank) + ": " + std::strerror(errno));
      for (pid_t started : ranks) ::kill(started, SIGTERM);
      for (pid_t started : ranks) ::waitpid(started, nullptr, 0);
      return 1;
    }
    if (pid == 0) {
      // The ranks form one process group (the first rank leads it) and die with the launcher.
      ::setpgid(0, ranks.empty() ? 0 : ranks.front());
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(1);
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(request.processes).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(request.processes).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      if (rank != 0) {
        const int devNull = ::open("/dev/null", O_WRONLY);
        if (devNull >= 0) ::dup2(devNull, STDOUT_FILENO);
      }
      ::execv(executable.c_str(), argvPointers.data());
      // Raw stderr, not the logger: after fork another thread may have held the logger's locks.
      std::fprintf(stderr, "winnow: rank %d: cannot run %s: %s\n", rank, executable.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::setpgid(pid, ranks.empty() ? pid : ranks.front());
    ranks.push_back(pid);
  }
  rankGroup = ranks.front();
  struct sigaction action {};
  action.sa_handler = forward;
  sigemptyset(&action.sa_mask);
  struct sigaction oldInt {}, oldTerm {};
  ::sigaction(SIGINT, &action, &oldInt);
  ::sigaction(SIGTERM, &action, &oldTerm);

  int result = 0;
  bool failed = false;
  std::chrono::steady_clock::time_point deadline{};
  std::vector<bool> running(ranks.size(), true);
  auto remaining = [&] { return std::count(running.begin(), running.end(), true); };
  while (remaining() > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-rankGroup, &status, failed ? WNOHANG : 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pid == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        log::write(log::Level::Warning, log::Origin::Host, "train",
                   "the remaining ranks did not stop within " + std::to_string(request.grace.count()) +
                       " s of the failure; killing them");
        ::kill(-rankGroup, SIGKILL);
        deadline = std::chrono::steady_clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const auto found = std::find(ranks.begin(), ranks.end(), pid);
    if (found == ranks.end()) continue;
    const auto rank = static_cast<std::size_t>(found - ranks.begin());
    running[rank] = false;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && !failed) {
      failed = true;
      result = exitCodeOf(status);
      deadline = std::chrono::steady_clock::now() + request.grace;
      if (forwardedSignal == 0) {
        log::write(log::Level::Error, log::Origin::Host, "train",
                   "rank " + std::to_string(rank) + " of " + std::to_string(request.processes) + " (pid " +
                       std::to_string(pid) + ") " + describeStatus(status) +
                       (remaining() > 0 ? "; the other ranks stop at their next exchange" : ""));
      }
    }
  }
  ::sigaction(SIGINT, &oldInt, nullptr);
  ::sigaction(SIGTERM, &oldTerm, nullptr);
  rankGroup = 0;
  return result;
}

}  // namespace winnow::training
