// Data-parallel training across processes over PyTorch's c10d (the layer under torchrun and
// DistributedDataParallel): ranks rendezvous through a TCPStore at MASTER_ADDR:MASTER_PORT, talk
// through ProcessGroupGloo on the CPU (ProcessGroupNCCL where the LibTorch build has it and the
// model is on CUDA), parameters are broadcast from rank 0, gradients are averaged in buckets that
// are all-reduced while backward is still running.
//
// A world of one (no WORLD_SIZE, or 1) needs no process group: every collective is the identity,
// so the trainer has one code path.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace winnow::training {

// torchrun's environment: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT; winnow's: WINNOW_DIST_BACKEND (auto | gloo | nccl), WINNOW_DIST_TIMEOUT (seconds a
// collective or the rendezvous may wait for a peer), WINNOW_DIST_BUCKET_MB (gradient bucket size),
// WINNOW_DIST_OVERLAP (0 = all-reduce after backward instead of during it); GLOO_SOCKET_IFNAME as
// in PyTorch.
struct DistributedEnvironment {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;
  int localWorldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  std::string backend = "auto";
  std::chrono::seconds timeout{300};
  double bucketMegabytes = 25.0;
  bool overlap = true;
  std::string socketInterface;
  bool distributed() const { return worldSize > 1; }
};

// Reads the variables above. Without WORLD_SIZE (or with 1) the result is a world of one. Throws
// std::invalid_argument naming the variable that is missing or malformed.
DistributedEnvironment distributedEnvironmentFromVariables();

// DistributedSampler's contract (drop_last = false): every rank draws the same permutation of
// `count` rows from (seed, epoch), pads it by repeating its head to a multiple of worldSize, and
// takes every worldSize-th entry from position `rank`. Every rank gets ceil(count / worldSize)
// rows; with worldSize 1 this is the single-process order. Local batch b of every rank together
// is positions [b*B*W, (b+1)*B*W) of the padded permutation: the global batch of one process
// training with batch size B*W.
std::vector<std::int64_t> epochShard(std::int64_t count, std::uint64_t seed, std::int64_t epoch, int rank, int worldSize);

// Thrown when a peer stopped (crashed, was killed) or did not answer within the timeout.
class PeerLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TrainingGroup {
 public:
  virtual ~TrainingGroup() = default;
  // A world of one: no process, no communication.
  static std::unique_ptr<TrainingGroup> single();
  // Joins the process group described by `environment`; tensors live on `device` (NCCL needs
  // CUDA). Throws PeerLost when the rendezvous times out, std::runtime_error for a backend this
  // build lacks.
  static std::unique_ptr<TrainingGroup> join(const DistributedEnvironment& environment, torch::Device device);

  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  virtual std::string backend() const = 0;  // "none", "gloo" or "nccl"
  const DistributedEnvironment& environment() const { return environment_; }

  // In place, from rank 0. Any layout; tensors are packed into one buffer per dtype.
  virtual void broadcast(const std::vector<torch::Tensor>& tensors) = 0;
  // In place sum over ranks (one tensor, contiguous or not).
  virtual void allReduceSum(torch::Tensor& tensor) = 0;
  // Rank 0's bytes on every rank.
  virtual std::string broadcastBytes(const std::string& bytes) = 0;
  // Rows [n, ...] of which this rank computed rows i with i % worldSize == rank (local, in that
  // order) -> all n rows in order, on every rank.
  virtual torch::Tensor gatherInterleaved(const torch::Tensor& local, std::int64_t totalRows) = 0;
  // Seconds spent waiting in collectives since the last call (then reset).
  double takeCommunicationSeconds();

 protected:
  DistributedEnvironment environment_;
  double communicationSeconds_ = 0;
};

// Rows this rank computes for gatherInterleaved: i % worldSize == rank.
std::vector<std::int64_t> interleavedRows(std::int64_t totalRows, int rank, int worldSize);

// Averages the gradients of `parameters` over the group after every backward. Parameters are put
// in buckets of about environment().bucketMegabytes in reverse order (the order backward produces
// them); with overlap, a hook on each parameter copies its gradient into the bucket and a full
// bucket's all-reduce starts at once, while backward goes on with earlier layers.
class GradientAverager {
 public:
  GradientAverager(TrainingGroup& group, std::vector<torch::Tensor> parameters);
  ~GradientAverager();
  GradientAverager(const GradientAverager&) = delete;
  GradientAverager& operator=(const GradientAverager&) = delete;
  // Call before backward of each step.
  void beginStep();
  // Call after backward: waits for every bucket, writes grad = sum / worldSize. A parameter that
  // got no gradient this step counts as zero (as find_unused_parameters does).
  void finishStep();
  std::size_t bucketCount() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace winnow::training
