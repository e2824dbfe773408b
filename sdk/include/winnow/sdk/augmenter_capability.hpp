// The augmenter kind as a C++ class:
//   class Invert { public:
//     Invert(const winnow::sdk::Params& params, const winnow_host_api* host);
//     winnow::sdk::OwnedImage apply(const winnow_image_view& input, std::uint64_t seed); };
//   const winnow_capability kCapabilities[] = {winnow::sdk::augmenterCapability<Invert>("example.invert")};
#pragma once

#include <cstdint>

#include "winnow/sdk/capability_common.hpp"

namespace winnow::sdk {

// A: A(const Params&, const winnow_host_api*); OwnedImage apply(const winnow_image_view&, uint64_t seed).
// The input is checked with isValidView before apply is called.
template <class A>
const winnow_augmenter_ops* augmenterOps() {
  static const winnow_augmenter_ops ops = {
      sizeof(winnow_augmenter_ops),
      [](void* instance, const winnow_image_view* input, uint64_t seed, winnow_image_sink output,
         winnow_error_sink error) -> winnow_status {
        return guardCall(error, detail::guardStyleOf<A>(), [&] {
          if (!isValidView(input)) throw detail::refusal<A>("invalid input image view");
          const OwnedImage result = static_cast<A*>(instance)->apply(*input, seed);
          return putImage(output, result);
        });
      }};
  return &ops;
}

template <class A>
winnow_capability augmenterCapability(const char* id) {
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_AUGMENTER, id, &detail::create<A>, &detail::destroy<A>,
          augmenterOps<A>()};
}

}  // namespace winnow::sdk
