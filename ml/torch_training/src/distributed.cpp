#include "winnow/training/distributed.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <random>

#if defined(WINNOW_WITH_GLOO)
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(WINNOW_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace winnow::training {

namespace {

using Clock = std::chrono::steady_clock;

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

long long integerVariable(const char* name, long long fallback, long long low, long long high) {
  const char* text = variable(name);
  if (text == nullptr) return fallback;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < low || value > high) {
    throw std::invalid_argument(std::string(name) + "=" + text + ": expected an integer in [" + std::to_string(low) + ", " +
                                std::to_string(high) + "]");
  }
  return value;
}

double numberVariable(const char* name, double fallback, double low, double high) {
  const char* text = variable(name);
  if (text == nullptr) return fallback;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= low && value <= high)) {
    throw std::invalid_argument(std::string(name) + "=" + text + ": expected a number in [" + std::to_string(low) + ", " +
                                std::to_string(high) + "]");
  }
  return value;
}

// The first line of an exception's text; c10::Error's what() carries a backtrace.
std::string reasonOf(const std::exception& error) {
  std::string text;
  if (const auto* c10error = dynamic_cast<const c10::Error*>(&error)) {
    text = c10error->what_without_backtrace();
  } else {
    text = error.what();
  }
  const auto newline = text.find('\n');
  if (newline != std::string::npos) text.resize(newline);
  return text;
}

class SingleProcess final : public TrainingGroup {
 public:
  int rank() const override { return 0; }
  int worldSize() const override { return 1; }
  std::string backend() const override { return "none"; }
  void broadcast(const std::vector<torch::Tensor>& /*tensors*/) override {}
  void allReduceSum(torch::Tensor& /*tensor*/) override {}
  std::string broadcastBytes(const std::string& bytes) override { return bytes; }
  torch::Tensor gatherInterleaved(const torch::Tensor& local, std::int64_t /*totalRows*/) override { return local; }
};

}  // namespace

DistributedEnvironment distributedEnvironmentFromVariables() {
  DistributedEnvironment environment;
  environment.worldSize = static_cast<int>(integerVariable("WORLD_SIZE", 1, 1, 65536));
  environment.backend = variable("WINNOW_DIST_BACKEND") != nullptr ? variable("WINNOW_DIST_BACKEND") : "auto";
  if (environment.backend != "auto" && environment.backend != "gloo" && environment.backend != "nccl") {
    throw std::invalid_argument("WINNOW_DIST_BACKEND=" + environment.backend + ": expected auto, gloo or nccl");
  }
  environment.timeout = std::chrono::seconds(integerVariable("WINNOW_DIST_TIMEOUT", 300, 1, 7 * 24 * 3600));
  environment.bucketMegabytes = numberVariable("WINNOW_DIST_BUCKET_MB", 25.0, 0.001, 4096.0);
  environment.overlap = integerVariable("WINNOW_DIST_OVERLAP", 1, 0, 1) == 1;
  if (const char* name = variable("GLOO_SOCKET_IFNAME")) environment.socketInterface = name;
  if (!environment.distributed()) return environment;
  if (variable("RANK") == nullptr) throw std::invalid_argument("WORLD_SIZE is set but RANK is not");
  environment.rank = static_cast<int>(integerVariable("RANK", 0, 0, environment.worldSize - 1));
  environment.localRank = static_cast<int>(integerVariable("LOCAL_RANK", environment.rank, 0, environment.worldSize - 1));
  environment.localWorldSize =
      static_cast<int>(integerVariable("LOCAL_WORLD_SIZE", environment.worldSize, 1, environment.worldSize));
  if (variable("MASTER_ADDR") == nullptr) throw std::invalid_argument("WORLD_SIZE is set but MASTER_ADDR is not");
  environment.masterAddr = variable("MASTER_ADDR");
  if (variable("MASTER_PORT") == nullptr) throw std::invalid_argument("WORLD_SIZE is set but MASTER_PORT is not");
  environment.masterPort = static_cast<int>(integerVariable("MASTER_PORT", 29500, 1, 65535));
  return environment;
}

std::vector<std::int64_t> epochShard(std::int64_t count, std::uint64_t seed, std::int64_t epoch, int rank, int worldSize) {
  if (count <= 0) return {};
  if (worldSize < 1 || rank < 0 || rank >= worldSize) throw std::invalid_argument("epochShard: rank outside the world");
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  // The single-process trainer's shuffle, unchanged, so a world of one trains as before.
  std::mt19937_64 shuffle(seed * 7919ULL + static_cast<std::uint64_t>(epoch));
  std::shuffle(order.begin(), order.end(), shuffle);
  const std::int64_t perRank = (count + worldSize - 1) / worldSize;
  std::vector<std::int64_t> shard;
  shard.reserve(static_cast<std::size_t>(perRank));
  for (std::int64_t i = 0; i < perRank; ++i) {
    const std::int64_t position = i * worldSize + rank;
    shard.push_back(order[static_cast<std::size_t>(position % count)]);
  }
  return shard;
}

std::vector<std::int64_t> interleavedRows(std::int64_t totalRows, int rank, int worldSize) {
  std::vector<std::int64_t> rows;
  for (std::int64_t i = rank; i < totalRows; i += worldSize) rows.push_back(i);
  return rows;
}

double TrainingGroup::takeCommunicationSeconds() {
  const double seconds = communicationSeconds_;
  communicationSeconds_ = 0;
  return seconds;
}

std::unique_ptr<TrainingGroup> TrainingGroup::single() { return std::make_unique<SingleProcess>(); }

// An all-reduce in flight (see GradientAverager); wait() throws PeerLost.
class PendingReduction {
 public:
  virtual ~PendingReduction() = default;
  virtual void wait() = 0;
};

#if defined(WINNOW_WITH_GLOO) || defined(WINNOW_WITH_NCCL)
namespace {

class ProcessGroupMember final : public TrainingGroup {
 public:
  ProcessGroupMember(const DistributedEnvironment& environment, torch::Device device) {
    environment_ = environment;
    (void)device;  // only NCCL needs it
    std::string backend = environment.backend;
    if (backend == "auto") {
#if defined(WINNOW_WITH_NCCL)
      backend = device.is_cuda() ? "nccl" : "gloo";
#else
      backend = "gloo";
#endif
    }
    backend_ = backend;
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(environment.timeout);
    try {
      c10d::TCPStoreOptions storeOptions;
      storeOptions.port = static_cast<std::uint16_t>(environment.masterPort);
      storeOptions.isServer = environment.rank == 0;
      storeOptions.numWorkers = static_cast<std::size_t>(environment.worldSize);
      storeOptions.waitWorkers = true;
      storeOptions.timeout = timeout;
      c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(environment.masterAddr, storeOptions);
      store = c10::make_intrusive<c10d::PrefixStore>("winnow-train", store);
      if (backend == "nccl") {
#if defined(WINNOW_WITH_NCCL)
        if (!device.is_cuda()) throw std::runtime_error("backend nccl needs the model on CUDA (device cuda)");
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        group_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, environment.rank, environment.worldSize, options);
        commDevice_ = device;
#else
        throw std::runtime_error("backend nccl: this build of winnow has no NCCL (it needs a CUDA LibTorch); use gloo");
#endif
      } else {
#if defined(WINNOW_WITH_GLOO)
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        const std::string& address = environment.masterAddr;
        const bool loopback = address == "127.0.0.1" || address == "localhost" || address == "::1";
        if (!environment.socketInterface.empty()) {
          options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(environment.socketInterface));
        } else if (loopback) {
          options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        } else {
          options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        }
        options->threads = 2;
        group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, environment.rank, environment.worldSize, options);
        commDevice_ = torch::kCPU;
#else
        throw std::runtime_error("backend gloo: this build of winnow has no Gloo (install libgloo-dev and rebuild)");
#endif
      }
    } catch (const PeerLost&) {
      throw;
    } catch (const std::runtime_error& error) {
      const std::string reason = reasonOf(error);
      if (reason.rfind("backend ", 0) == 0) throw;
      throw PeerLost(where() + "could not join the process group at " + environment.masterAddr + ":" +
                     std::to_string(environment.masterPort) + ": " + reason);
    }
  }

  int rank() const override { return environment_.rank; }
  int worldSize() const override { return environment_.worldSize; }
  std::string backend() const override { return backend_; }

  void broadcast(const std::vector<torch::Tensor>& tensors) override {
    torch::NoGradGuard noGrad;
    std::map<c10::ScalarType, std::vector<torch::Tensor>> byType;
    for (const auto& tensor : tensors) {
      if (tensor.defined() && tensor.numel() > 0) byType[tensor.scalar_type()].push_back(tensor);
    }
    for (auto& [type, group] : byType) {
      std::vector<torch::Tensor> flat;
      for (const auto& tensor : group) flat.push_back(tensor.reshape(-1).to(commDevice_));
      std::vector<torch::Tensor> packed{torch::cat(flat)};
      c10d::BroadcastOptions options;
      options.rootRank = 0;
      finish(group_->broadcast(packed, options), "broadcast");
      std::int64_t offset = 0;
      for (auto& tensor : group) {
        tensor.copy_(packed[0].narrow(0, offset, tensor.numel()).view(tensor.sizes()));
        offset += tensor.numel();
      }
    }
  }

  void allReduceSum(torch::Tensor& tensor) override {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> buffer{tensor.contiguous().to(commDevice_)};
    if (buffer[0].data_ptr() == tensor.data_ptr()) buffer[0] = tensor.clone();
    finish(group_->allreduce(buffer), "all-reduce");
    tensor.copy_(buffer[0]);
  }

  std::string broadcastBytes(const std::string& bytes) override {
    torch::Tensor size = torch::tensor({static_cast<std::int64_t>(bytes.size())}, torch::kInt64).to(commDevice_);
    {
      std::vector<torch::Tensor> list{size};
      c10d::BroadcastOptions options;
      finish(group_->broadcast(list, options), "broadcast");
    }
    const std::int64_t count = size.to(torch::kCPU).item<std::int64_t>();
    if (count == 0) return {};
    torch::Tensor data = torch::empty({count}, torch::kUInt8);
    if (rank() == 0) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
    std::vector<torch::Tensor> list{data.to(commDevice_)};
    c10d::BroadcastOptions options;
    finish(group_->broadcast(list, options), "broadcast");
    const torch::Tensor back = list[0].to(torch::kCPU).contiguous();
    return std::string(static_cast<const char*>(back.data_ptr()), static_cast<std::size_t>(count));
  }

  torch::Tensor gatherInterleaved(const torch::Tensor& local, std::int64_t totalRows) override {
    torch::NoGradGuard noGrad;
    const int world = worldSize();
    const std::int64_t perRank = (totalRows + world - 1) / world;
    std::vector<std::int64_t> shape(local.sizes().begin(), local.sizes().end());
    shape[0] = perRank;
    torch::Tensor padded = torch::zeros(shape, local.options().device(commDevice_));
    if (local.size(0) > 0) padded.narrow(0, 0, local.size(0)).copy_(local);
    std::vector<std::vector<torch::Tensor>> outputs(1);
    for (int r = 0; r < world; ++r) outputs[0].push_back(torch::empty_like(padded));
    std::vector<torch::Tensor> inputs{padded};
    finish(group_->allgather(outputs, inputs), "all-gather");
    // [W, m, ...] -> [m, W, ...] -> rows in order: row j*W + r came from rank r's j-th row.
    torch::Tensor all = torch::stack(outputs[0]).transpose(0, 1).contiguous();
    shape[0] = perRank * world;
    return all.view(shape).narrow(0, 0, totalRows).to(local.device());
  }

  std::unique_ptr<PendingReduction> allReduceSumAsync(torch::Tensor& flat) {
    class Pending final : public PendingReduction {
     public:
      Pending(ProcessGroupMember& owner, c10::intrusive_ptr<c10d::Work> work) : owner_(owner), work_(std::move(work)) {}
      void wait() override { owner_.finish(work_, "gradient all-reduce"); }

     private:
      ProcessGroupMember& owner_;
      c10::intrusive_ptr<c10d::Work> work_;
    };
    std::vector<torch::Tensor> list{flat};
    return std::make_unique<Pending>(*this, group_->allreduce(list));
  }

  torch::Device commDevice() const { return commDevice_; }

 private:
  std::string where() const {
    return "rank " + std::to_string(environment_.rank) + " of " + std::to_string(environment_.worldSize) + ": ";
  }

  void finish(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    const auto started = Clock::now();
    try {
      work->wait();
    } catch (const std::exception& error) {
      throw PeerLost(where() + "lost the process group during " + what + " (" + reasonOf(error) +
                     "): another rank stopped or did not answer within " + std::to_string(environment_.timeout.count()) +
                     " s (WINNOW_DIST_TIMEOUT)");
    }
    communicationSeconds_ += std::chrono::duration<double>(Clock::now() - started).count();
  }

  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  std::string backend_;
  torch::Device commDevice_ = torch::kCPU;
};

}  // namespace
#endif

std::unique_ptr<TrainingGroup> TrainingGroup::join(const DistributedEnvironment& environment, torch::Device device) {
  if (!environment.distributed()) return single();
#if defined(WINNOW_WITH_GLOO) || defined(WINNOW_WITH_NCCL)
  return std::make_unique<ProcessGroupMember>(environment, device);
#else
  (void)device;
  throw std::runtime_error("WORLD_SIZE=" + std::to_string(environment.worldSize) +
                           ": this build of winnow has no process-group backend (install libgloo-dev and rebuild)");
#endif
}

struct GradientAverager::State {
  struct Bucket {
    torch::Tensor flat;
    std::vector<std::size_t> parameters;  // indices into State::parameters
    std::vector<std::int64_t> offsets;
    std::size_t ready = 0;
    std::unique_ptr<PendingReduction> pending;
  };
  TrainingGroup* group = nullptr;
  std::vector<torch::Tensor> parameters;
  std::vector<std::size_t> bucketOf;
  std::vector<std::size_t> slotOf;
  std::vector<bool> arrived;
  std::vector<Bucket> buckets;
  std::vector<unsigned> hooks;
  std::size_t nextToLaunch = 0;
  bool overlap = true;

  void copyIn(std::size_t index, const torch::Tensor& gradient) {
    Bucket& bucket = buckets[bucketOf[index]];
    const torch::Tensor& parameter = parameters[index];
    torch::Tensor slot = bucket.flat.narrow(0, bucket.offsets[slotOf[index]], parameter.numel()).view(parameter.sizes());
    if (gradient.defined()) {
      slot.copy_(gradient);
    } else {
      slot.zero_();
    }
    arrived[index] = true;
    ++bucket.ready;
  }

  // Buckets start strictly in index order on every rank: collectives are matched by issue order.
  void launchReady() {
    while (nextToLaunch < buckets.size() && buckets[nextToLaunch].ready == buckets[nextToLaunch].parameters.size()) {
      launch(buckets[nextToLaunch]);
      ++nextToLaunch;
    }
  }

  void launch(Bucket& bucket) {
#if defined(WINNOW_WITH_GLOO) || defined(WINNOW_WITH_NCCL)
    bucket.pending = static_cast<ProcessGroupMember*>(group)->allReduceSumAsync(bucket.flat);
#else
    (void)bucket;
#endif
  }
};

GradientAverager::GradientAverager(TrainingGroup& group, std::vector<torch::Tensor> parameters)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.group = &group;
  s.overlap = group.environment().overlap;
  if (group.worldSize() <= 1) return;
  for (auto& parameter : parameters) {
    if (parameter.requires_grad()) s.parameters.push_back(parameter);
  }
  s.bucketOf.resize(s.parameters.size());
  s.slotOf.resize(s.parameters.size());
  s.arrived.assign(s.parameters.size(), false);
#if defined(WINNOW_WITH_GLOO) || defined(WINNOW_WITH_NCCL)
  const torch::Device device = static_cast<ProcessGroupMember&>(group).commDevice();
#else
  const torch::Device device = torch::kCPU;
#endif
  const auto capBytes = static_cast<std::int64_t>(group.environment().bucketMegabytes * 1024.0 * 1024.0);
  // Reverse order: backward produces the last layers' gradients first. One dtype per bucket.
  std::int64_t bucketBytes = 0;
  c10::ScalarType bucketType = c10::ScalarType::Undefined;
  std::vector<std::int64_t> sizes;
  for (std::size_t k = s.parameters.size(); k-- > 0;) {
    const torch::Tensor& parameter = s.parameters[k];
    const std::int64_t bytes = parameter.numel() * static_cast<std::int64_t>(parameter.element_size());
    if (s.buckets.empty() || bucketBytes >= capBytes || parameter.scalar_type() != bucketType) {
      s.buckets.emplace_back();
      sizes.push_back(0);
      bucketBytes = 0;
      bucketType = parameter.scalar_type();
    }
    State::Bucket& bucket = s.buckets.back();
    s.bucketOf[k] = s.buckets.size() - 1;
    s.slotOf[k] = bucket.parameters.size();
    bucket.parameters.push_back(k);
    bucket.offsets.push_back(sizes.back());
    sizes.back() += parameter.numel();
    bucketBytes += bytes;
  }
  for (std::size_t b = 0; b < s.buckets.size(); ++b) {
    const torch::Tensor& first = s.parameters[s.buckets[b].parameters.front()];
    s.buckets[b].flat = torch::zeros({sizes[b]}, first.options().device(device).requires_grad(false));
  }
  if (s.overlap) {
    State* raw = state_.get();
    for (std::size_t k = 0; k < s.parameters.size(); ++k) {
      s.hooks.push_back(s.parameters[k].register_hook([raw, k](const torch::Tensor& gradient) {
        if (raw->arrived[k]) return;  // a second backward in one step: finishStep takes .grad
        raw->copyIn(k, gradient);
        raw->launchReady();
      }));
    }
  }
}

GradientAverager::~GradientAverager() {
  if (!state_) return;
  for (std::size_t k = 0; k < state_->hooks.size(); ++k) state_->parameters[k].remove_hook(state_->hooks[k]);
}

void GradientAverager::beginStep() {
  State& s = *state_;
  std::fill(s.arrived.begin(), s.arrived.end(), false);
  for (auto& bucket : s.buckets) {
    bucket.ready = 0;
    bucket.pending.reset();
  }
  s.nextToLaunch = 0;
}

void GradientAverager::finishStep() {
  State& s = *state_;
  if (s.group->worldSize() <= 1) return;
  torch::NoGradGuard noGrad;
  for (std::size_t k = 0; k < s.parameters.size(); ++k) {
    if (!s.arrived[k]) s.copyIn(k, s.parameters[k].grad());
  }
  s.launchReady();
  const double scale = 1.0 / static_cast<double>(s.group->worldSize());
  for (auto& bucket : s.buckets) {
    if (bucket.pending) bucket.pending->wait();
    bucket.pending.reset();
    bucket.flat.mul_(scale);
    for (std::size_t slot = 0; slot < bucket.parameters.size(); ++slot) {
      torch::Tensor& parameter = s.parameters[bucket.parameters[slot]];
      const torch::Tensor averaged = bucket.flat.narrow(0, bucket.offsets[slot], parameter.numel()).view(parameter.sizes());
      if (parameter.grad().defined()) {
        parameter.mutable_grad().copy_(averaged);
      } else {
        parameter.mutable_grad() = averaged.to(parameter.device()).clone();
      }
    }
  }
}

std::size_t GradientAverager::bucketCount() const { return state_->buckets.size(); }

}  // namespace winnow::training
