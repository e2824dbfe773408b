// bfloat16 autocast on CUDA for a scope, across LibTorch versions (1.13's set_autocast_gpu_dtype,
// 2.x's device-generic calls). Shared by the trainer and bench/train_throughput, so that the
// benchmark's forward+backward ceiling runs in the same precision as training.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace winnow::training {

// bfloat16 autocast on CUDA for the scope (no loss scaling needed, unlike float16).
class CudaAutocast {
 public:
  explicit CudaAutocast(bool on) : on_(on) {
    if (!on_) return;
#if TORCH_VERSION_MAJOR >= 2
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
  }
  ~CudaAutocast() {
    if (!on_) return;
#if TORCH_VERSION_MAJOR >= 2
    at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
    at::autocast::set_enabled(false);
#endif
    at::autocast::clear_cache();
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool on_ = false;
};

}  // namespace winnow::training
