// forEachVideoFrame: cv::VideoCapture (FFmpeg backend) with time-based sampling.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include <cmath>
#include <system_error>

#include "opencv_decoding.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

Error videoError(ErrorCode code, const std::filesystem::path& path, const std::string& reason) {
  return makeError(code, path.string() + ": " + reason);
}

bool toRgb(const cv::Mat& frame, Image& out) {
  if (frame.empty() || frame.depth() != CV_8U) return false;
  detail::allocate(out, frame.cols, frame.rows, PixelFormat::Rgb8);
  cv::Mat dst = asMat(out);
  switch (frame.channels()) {
    case 1: cv::cvtColor(frame, dst, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(frame, dst, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(frame, dst, cv::COLOR_BGRA2RGB); break;
    default: return false;
  }
  return dst.data == out.pixels.data();
}

}  // namespace

// Frame times come from the stream's fps (frameIndex / fps) when it reports a plausible one, else
// from the decoder's timestamps (CAP_PROP_POS_MSEC). A frame is taken when its time reaches the
// next sample time; sample times step by 1 / framesPerSecond from 0.
Status forEachVideoFrame(const std::filesystem::path& path, double framesPerSecond,
                         const std::function<bool(const VideoFrame&)>& onFrame) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return videoError(ErrorCode::NotFound, path, "no such file");
  if (std::filesystem::is_directory(status))
    return videoError(ErrorCode::InvalidArgument, path, "is a directory");
  if (!onFrame) return videoError(ErrorCode::InvalidArgument, path, "no frame callback");
  detail::quietOpenCvOnce();
  try {
    cv::VideoCapture capture;
    // FFmpeg when OpenCV has it; otherwise whatever backend OpenCV has (never both: a corrupt
    // file would be reported twice by FFmpeg's own logging).
    const int backend = cv::videoio_registry::hasBackend(cv::CAP_FFMPEG) ? cv::CAP_FFMPEG : cv::CAP_ANY;
    if (!capture.open(path.string(), backend))
      return videoError(ErrorCode::Decode, path, "cannot open video (unknown container or corrupt file)");
    const double fps = capture.get(cv::CAP_PROP_FPS);
    const bool fpsKnown = std::isfinite(fps) && fps > 0.0 && fps < 1000.0;
    const double period = framesPerSecond > 0.0 ? 1.0 / framesPerSecond : 0.0;
    constexpr double kEpsilon = 1e-6;

    double nextTime = 0.0;
    std::int64_t index = 0;
    std::int64_t delivered = 0;
    cv::Mat frame;
    while (capture.grab()) {
      double t = fpsKnown ? static_cast<double>(index) / fps : capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
      if (!std::isfinite(t) || t < 0.0) t = 0.0;
      if (period == 0.0 || t + kEpsilon >= nextTime) {
        if (!capture.retrieve(frame) || frame.empty()) {
          ++index;
          continue;
        }
        VideoFrame vf;
        vf.frameIndex = index;
        vf.timeSeconds = t;
        if (!toRgb(frame, vf.image))
          return videoError(ErrorCode::Decode, path,
                            "unsupported frame layout at frame " + std::to_string(index));
        ++delivered;
        if (!onFrame(vf)) return okStatus();
        if (period > 0.0)
          while (nextTime <= t + kEpsilon) nextTime += period;
      }
      ++index;
    }
    if (index == 0)
      return videoError(ErrorCode::Decode, path, "cannot decode any frame (corrupt or empty video)");
    if (delivered == 0)
      return videoError(ErrorCode::Decode, path, "no frame could be retrieved (corrupt video)");
    return okStatus();
  } catch (const cv::Exception& e) {
    return videoError(ErrorCode::Decode, path, std::string("cannot read video: OpenCV: ") + e.err);
  } catch (const std::exception& e) {
    return videoError(ErrorCode::Decode, path, std::string("cannot read video: ") + e.what());
  }
}

}  // namespace winnow::image
