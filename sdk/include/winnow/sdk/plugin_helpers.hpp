// Header-only C++17 helpers for writing winnow plugins. Nothing here crosses the C ABI: these
// run inside the plugin and turn its C++ (exceptions, vectors) into the C contract of
// plugin_abi.h (status codes, error sinks, borrowed image views).
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::sdk {

// Reports a message through the host's sink as one line (line breaks become spaces; safe with a
// sink that has no callback).
inline void reportError(winnow_error_sink sink, const char* message) noexcept {
  if (sink.set_error == nullptr) return;
  std::string line;
  try {
    line = message != nullptr ? message : "unknown error";
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
  } catch (...) {
    sink.set_error(sink.context, "out of memory");
    return;
  }
  sink.set_error(sink.context, line.c_str());
}

inline void reportError(winnow_error_sink sink, const std::string& message) noexcept {
  reportError(sink, message.c_str());
}

// A failure the plugin's own code throws, carrying the status it means (INVALID_ARGUMENT for bad
// parameters or input, ERROR otherwise). Its message reaches the user as it is.
class Failure : public std::runtime_error {
 public:
  Failure(winnow_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  winnow_status status() const noexcept { return status_; }

 private:
  winnow_status status_;
};

// Thrown inside a plugin to stop because the host asked to (isCancelled): WINNOW_STATUS_CANCELLED.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "cancelled"; }
};

// Thrown for an input of a kind the capability does not handle: WINNOW_STATUS_UNSUPPORTED.
class Unsupported : public Failure {
 public:
  explicit Unsupported(const std::string& message) : Failure(WINNOW_STATUS_UNSUPPORTED, message) {}
};

// How guardCall words unexpected exceptions: `who` prefixes their messages ("hdf5 exporter: ..."),
// `describe` (optional) turns a library's exception into a short text (e.g. cv::Exception::err
// instead of its multi-line what()).
struct GuardStyle {
  const char* who = nullptr;
  std::string (*describe)(const std::exception& error) = nullptr;
};

// Runs `body` (returning winnow_status) and maps exceptions onto statuses, the message in the
// sink: Failure -> its status, Cancelled -> CANCELLED, std::invalid_argument -> INVALID_ARGUMENT,
// anything else -> ERROR ("<who>: <message>"). The one mapping every plugin uses: wrap the whole
// body of every exported callback in it (the trampolines in capability.hpp do).
template <class F>
winnow_status guardCall(winnow_error_sink sink, const GuardStyle& style, F&& body) noexcept {
  auto unexpected = [&](const std::string& text) {
    try {
      reportError(sink, style.who != nullptr ? std::string(style.who) + ": " + text : text);
    } catch (...) {
      reportError(sink, "out of memory");
    }
  };
  try {
    return std::forward<F>(body)();
  } catch (const Cancelled&) {
    reportError(sink, "cancelled");
    return WINNOW_STATUS_CANCELLED;
  } catch (const Failure& e) {
    reportError(sink, e.what());
    return e.status();
  } catch (const std::invalid_argument& e) {
    reportError(sink, e.what());
    return WINNOW_STATUS_INVALID_ARGUMENT;
  } catch (const std::bad_alloc&) {
    unexpected("out of memory");
  } catch (const std::exception& e) {
    try {
      unexpected(style.describe != nullptr ? style.describe(e) : std::string(e.what()));
    } catch (...) {
      unexpected(e.what());
    }
  } catch (...) {
    unexpected("unknown exception inside the plugin");
  }
  return WINNOW_STATUS_ERROR;
}

template <class F>
winnow_status guardCall(winnow_error_sink sink, F&& body) noexcept {
  return guardCall(sink, GuardStyle{}, std::forward<F>(body));
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
