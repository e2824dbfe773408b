// `winnow train --nproc N`: one machine, N ranks, started the way torchrun starts them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace winnow::training {

struct LocalRanksRequest {
  int processes = 2;
  // argv[1..] of every rank (the command and its options, without --nproc).
  std::vector<std::string> arguments;
  // How long the others may take to stop on their own after one rank failed; then they are killed.
  std::chrono::seconds grace{330};
};

// Starts `processes` copies of this executable as ranks 0..N-1 with torchrun's variables (RANK,
// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT = a free port) and
// waits for them. Rank 0 keeps stdout; the others' stdout goes to /dev/null; stderr is shared.
// The ranks run in their own process group and die with this process; Ctrl-C and SIGTERM reach
// them once, through this process. When a rank fails, the others stop by themselves at their next
// collective (the peer's socket closes; a hung peer is given up after WINNOW_DIST_TIMEOUT), or
// are killed after `grace`; one line on stderr names the rank and how it ended. Returns 0 when
// every rank exited 0, else the first failing rank's status (128 + signal when killed).
int runLocalRanks(const LocalRanksRequest& request);

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
int freeLoopbackPort();

}  // namespace winnow::training
