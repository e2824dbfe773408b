// Header-only C++17 helpers for writing winnow plugins. Nothing here crosses the C ABI: these
// run inside the plugin and turn its C++ (exceptions, vectors) into the C contract of
// plugin_abi.h (status codes, error sinks, borrowed image views).
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::sdk {

// Reports a one-line message through the host's sink (safe with a sink that has no callback).
inline void reportError(winnow_error_sink sink, const char* message) noexcept {
  if (sink.set_error != nullptr) {
    sink.set_error(sink.context, message != nullptr ? message : "unknown error");
  }
}

inline void reportError(winnow_error_sink sink, const std::string& message) noexcept {
  reportError(sink, message.c_str());
}

// Runs `body` (returning winnow_status) and turns any exception into WINNOW_STATUS_ERROR with the
// exception's message in the sink. Use it as the whole body of every exported callback.
template <class F>
winnow_status guardCall(winnow_error_sink sink, F&& body) noexcept {
  try {
    return std::forward<F>(body)();
  } catch (const std::bad_alloc&) {
    reportError(sink, "out of memory");
  } catch (const std::exception& e) {
    reportError(sink, e.what());
  } catch (...) {
    reportError(sink, "unknown exception inside the plugin");
  }
  return WINNOW_STATUS_ERROR;
}

// Channels of a pixel format; 0 for an unknown one.
inline int channelsOf(winnow_pixel_format format) noexcept {
  switch (format) {
    case WINNOW_PIXEL_FORMAT_GRAY8: return 1;
    case WINNOW_PIXEL_FORMAT_RGB8: return 3;
    case WINNOW_PIXEL_FORMAT_RGBA8: return 4;
    default: return 0;
  }
}

// True when the view can be read safely: known format, matching channels, positive size,
// non-null data and a stride of at least one row.
inline bool isValidView(const winnow_image_view* view) noexcept {
  if (view == nullptr || view->struct_size < sizeof(winnow_image_view) || view->data == nullptr) {
    return false;
  }
  const int channels = channelsOf(view->format);
  return channels != 0 && channels == view->channels && view->width > 0 && view->height > 0 &&
         view->stride_bytes >= static_cast<int64_t>(view->width) * channels;
}

// A tightly packed image owned by the plugin, e.g. to build an augmenter's output.
struct OwnedImage {
  int32_t width = 0;
  int32_t height = 0;
  winnow_pixel_format format = WINNOW_PIXEL_FORMAT_INVALID;
  std::vector<uint8_t> pixels;  // height rows of width * channels bytes

  int32_t channels() const noexcept { return channelsOf(format); }
  int64_t strideBytes() const noexcept { return static_cast<int64_t>(width) * channels(); }
  uint8_t* row(int32_t y) noexcept { return pixels.data() + y * strideBytes(); }
  const uint8_t* row(int32_t y) const noexcept { return pixels.data() + y * strideBytes(); }

  static OwnedImage blank(int32_t width, int32_t height, winnow_pixel_format format) {
    OwnedImage image;
    image.width = width;
    image.height = height;
    image.format = format;
    image.pixels.assign(static_cast<size_t>(image.strideBytes()) * static_cast<size_t>(height), 0);
    return image;
  }

  // Packed copy of a borrowed view (which must satisfy isValidView).
  static OwnedImage copyOf(const winnow_image_view& view) {
    OwnedImage image = blank(view.width, view.height, view.format);
    for (int32_t y = 0; y < view.height; ++y) {
      std::memcpy(image.row(y), view.data + y * view.stride_bytes,
                  static_cast<size_t>(image.strideBytes()));
    }
    return image;
  }

  // A view borrowing these pixels; valid while this object is alive and unchanged.
  winnow_image_view view() const noexcept {
    winnow_image_view view{};
    view.struct_size = sizeof(winnow_image_view);
    view.format = format;
    view.width = width;
    view.height = height;
    view.channels = channels();
    view.stride_bytes = strideBytes();
    view.data = pixels.data();
    return view;
  }
};

// Hands an image to the host's sink (the host copies it before returning).
inline winnow_status putImage(winnow_image_sink sink, const OwnedImage& image) noexcept {
  if (sink.put == nullptr) {
    return WINNOW_STATUS_ERROR;
  }
  const winnow_image_view view = image.view();
  return sink.put(sink.context, &view);
}

// Logs through the host API when it offers logging (it may be NULL in tests).
inline void log(const winnow_host_api* host, winnow_log_level level, const char* message) noexcept {
  if (host != nullptr && host->struct_size >= sizeof(winnow_host_api) && host->log != nullptr) {
    host->log(host->context, level, message);
  }
}

// True once the host asked to cancel the current job.
inline bool isCancelled(const winnow_host_api* host) noexcept {
  return host != nullptr && host->struct_size >= sizeof(winnow_host_api) &&
         host->is_cancelled != nullptr && host->is_cancelled(host->context) != 0;
}

}  // namespace winnow::sdk
