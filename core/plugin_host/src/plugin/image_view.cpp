#include "image_view.hpp"

#include <cstring>
#include <limits>
#include <string>

namespace winnow::plugin::detail {
namespace {

int channelsOf(winnow_pixel_format format) {
  switch (format) {
    case WINNOW_PIXEL_FORMAT_GRAY8: return 1;
    case WINNOW_PIXEL_FORMAT_RGB8: return 3;
    case WINNOW_PIXEL_FORMAT_RGBA8: return 4;
    default: return 0;
  }
}

}  // namespace

Result<winnow_image_view> viewOf(const Image& image) {
  winnow_image_view view{};
  view.struct_size = sizeof(winnow_image_view);
  switch (image.format) {
    case PixelFormat::Gray8: view.format = WINNOW_PIXEL_FORMAT_GRAY8; break;
    case PixelFormat::Rgb8: view.format = WINNOW_PIXEL_FORMAT_RGB8; break;
    case PixelFormat::Rgba8: view.format = WINNOW_PIXEL_FORMAT_RGBA8; break;
    case PixelFormat::Invalid:
      return makeError(ErrorCode::InvalidArgument, "image has no pixel format");
  }
  view.channels = channelsOf(view.format);
  view.width = image.width;
  view.height = image.height;
  view.stride_bytes = static_cast<std::int64_t>(image.width) * view.channels;
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() < static_cast<std::size_t>(view.stride_bytes) * image.height) {
    return makeError(ErrorCode::InvalidArgument,
                     "image is empty or smaller than its declared " + std::to_string(image.width) +
                         "x" + std::to_string(image.height));
  }
  view.data = image.pixels.data();
  return view;
}

Result<Image> copyFromView(const winnow_image_view* view) {
  if (view == nullptr || view->struct_size < sizeof(winnow_image_view)) {
    return makeError(ErrorCode::Plugin, "returned no image view or one with a too small struct_size");
  }
  const int channels = channelsOf(view->format);
  if (channels == 0 || channels != view->channels) {
    return makeError(ErrorCode::Plugin, "returned an image with an unknown format or channel count");
  }
  constexpr std::int64_t kMaxSide = 1 << 16;
  if (view->width <= 0 || view->height <= 0 || view->width > kMaxSide || view->height > kMaxSide) {
    return makeError(ErrorCode::Plugin, "returned an image of impossible size " +
                                            std::to_string(view->width) + "x" +
                                            std::to_string(view->height));
  }
  const std::int64_t rowBytes = static_cast<std::int64_t>(view->width) * channels;
  if (view->data == nullptr || view->stride_bytes < rowBytes) {
    return makeError(ErrorCode::Plugin, "returned an image with no data or a stride shorter than a row");
  }
  Image image;
  image.width = view->width;
  image.height = view->height;
  image.format = view->format == WINNOW_PIXEL_FORMAT_GRAY8  ? PixelFormat::Gray8
                 : view->format == WINNOW_PIXEL_FORMAT_RGB8 ? PixelFormat::Rgb8
                                                            : PixelFormat::Rgba8;
  image.pixels.resize(static_cast<std::size_t>(rowBytes) * view->height);
  for (int row = 0; row < view->height; ++row) {
    std::memcpy(image.pixels.data() + static_cast<std::size_t>(row) * rowBytes,
                view->data + static_cast<std::int64_t>(row) * view->stride_bytes,
                static_cast<std::size_t>(rowBytes));
  }
  return image;
}

}  // namespace winnow::plugin::detail
