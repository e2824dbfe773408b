// Conversions between core Images and the C ABI's borrowed image views.
#pragma once

#include "winnow/image/image.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/util/result.hpp"

namespace winnow::plugin::detail {

// A view borrowing `image`'s pixels; valid while `image` is alive and unchanged.
// Fails for an empty image or an unknown format.
Result<winnow_image_view> viewOf(const Image& image);

// A tightly packed copy of a view a plugin handed back; checks everything (struct_size, format,
// channels, sizes, stride, data) since the view comes from outside.
Result<Image> copyFromView(const winnow_image_view* view);

}  // namespace winnow::plugin::detail
