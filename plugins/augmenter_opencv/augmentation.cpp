#include "augmentation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seeded_random.hpp"

namespace winnow::augmenter_opencv {
namespace {

// Reflecting needs at least two pixels per side; a 1-pixel side can only replicate.
int borderFor(const cv::Mat& image) {
  return image.cols > 1 && image.rows > 1 ? cv::BORDER_REFLECT_101 : cv::BORDER_REPLICATE;
}

// Runs a colour-only operation on the colour channels and keeps alpha as it is.
template <typename Fn>
cv::Mat onColour(const cv::Mat& input, Fn&& fn) {
  if (input.channels() != 4) return fn(input);
  std::vector<cv::Mat> planes;
  cv::split(input, planes);
  cv::Mat alpha = planes[3];
  planes.pop_back();
  cv::Mat colour;
  cv::merge(planes, colour);
  cv::Mat done = fn(colour);
  std::vector<cv::Mat> outPlanes;
  cv::split(done, outPlanes);
  outPlanes.push_back(alpha);
  cv::Mat output;
  cv::merge(outPlanes, output);
  return output;
}

cv::Mat rotate(const cv::Mat& input, double maxDegrees, SeededRandom& random) {
  const double angle = random.uniform(-maxDegrees, maxDegrees);
  const cv::Point2f centre(static_cast<float>(input.cols - 1) / 2.0F,
                           static_cast<float>(input.rows - 1) / 2.0F);
  const cv::Mat matrix = cv::getRotationMatrix2D(centre, angle, 1.0);
  cv::Mat output;
  cv::warpAffine(input, output, matrix, input.size(), cv::INTER_LINEAR, borderFor(input));
  return output;
}

cv::Mat horizontalFlip(const cv::Mat& input, double probability, SeededRandom& random) {
  cv::Mat output;
  if (random.chance(probability)) {
    cv::flip(input, output, 1);
  } else {
    output = input.clone();
  }
  return output;
}

cv::Mat gaussianNoise(const cv::Mat& input, Range sigmaRange, SeededRandom& random) {
  const double sigma = random.uniform(sigmaRange.low, sigmaRange.high);
  const std::uint64_t noiseSeed = random.next();
  return onColour(input, [&](const cv::Mat& colour) {
    cv::Mat noise(colour.size(), CV_32FC(colour.channels()));
    cv::RNG generator(noiseSeed == 0 ? 1 : noiseSeed);  // a local generator, never cv::theRNG()
    generator.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0.0), cv::Scalar::all(sigma));
    cv::Mat pixels;
    colour.convertTo(pixels, CV_32F);
    pixels += noise;
    cv::Mat output;
    pixels.convertTo(output, CV_8U);  // rounds and saturates to 0..255
    return output;
  });
}

cv::Mat blur(const cv::Mat& input, Range sigmaRange, int maxKernel, SeededRandom& random) {
  const double sigma = random.uniform(sigmaRange.low, sigmaRange.high);
  int kernel = 2 * static_cast<int>(std::ceil(3.0 * sigma)) + 1;
  kernel = std::min(kernel, maxKernel);
  if (kernel % 2 == 0) --kernel;
  if (kernel < 3 || sigma <= 0.0) return input.clone();
  return onColour(input, [&](const cv::Mat& colour) {
    cv::Mat output;
    cv::GaussianBlur(colour, output, cv::Size(kernel, kernel), sigma, sigma, borderFor(colour));
    return output;
  });
}

cv::Mat brightnessContrast(const cv::Mat& input, Range brightness, Range contrast,
                           SeededRandom& random) {
  const double gain = random.uniform(contrast.low, contrast.high);
  const double offset = random.uniform(brightness.low, brightness.high);
  return onColour(input, [&](const cv::Mat& colour) {
    cv::Mat output;
    colour.convertTo(output, -1, gain, offset + 128.0 * (1.0 - gain));
    return output;
  });
}

// torchvision's RandomResizedCrop: up to 10 draws of (area, log-uniform ratio), else the
// largest centred crop within the ratio range; the crop is resized back to the input size.
cv::Mat randomResizedCrop(const cv::Mat& input, Range scale, Range ratio, SeededRandom& random) {
  const int width = input.cols;
  const int height = input.rows;
  const double area = static_cast<double>(width) * height;
  cv::Rect crop;
  bool found = false;
  for (int attempt = 0; attempt < 10 && !found; ++attempt) {
    const double targetArea = area * random.uniform(scale.low, scale.high);
    const double aspect =
        std::exp(random.uniform(std::log(ratio.low), std::log(ratio.high)));
    const int w = static_cast<int>(std::lround(std::sqrt(targetArea * aspect)));
    const int h = static_cast<int>(std::lround(std::sqrt(targetArea / aspect)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      crop = cv::Rect(random.uniformInt(0, width - w), random.uniformInt(0, height - h), w, h);
      found = true;
    }
  }
  if (!found) {
    const double inRatio = static_cast<double>(width) / height;
    int w = width;
    int h = height;
    if (inRatio < ratio.low) {
      h = std::max(1, static_cast<int>(std::lround(w / ratio.low)));
    } else if (inRatio > ratio.high) {
      w = std::max(1, static_cast<int>(std::lround(h * ratio.high)));
    }
    w = std::min(w, width);
    h = std::min(h, height);
    crop = cv::Rect((width - w) / 2, (height - h) / 2, w, h);
  }
  if (crop.width == width && crop.height == height) return input.clone();
  cv::Mat output;
  cv::resize(input(crop), output, input.size(), 0.0, 0.0, cv::INTER_LINEAR);
  return output;
}

cv::Mat jpegRecompress(const cv::Mat& input, Range qualityRange, SeededRandom& random) {
  const int quality = random.uniformInt(static_cast<int>(std::lround(qualityRange.low)),
                                        static_cast<int>(std::lround(qualityRange.high)));
  return onColour(input, [&](const cv::Mat& colour) {
    const bool grey = colour.channels() == 1;
    cv::Mat bgr;
    if (grey) {
      bgr = colour;
    } else {
      cv::cvtColor(colour, bgr, cv::COLOR_RGB2BGR);
    }
    std::vector<std::uint8_t> encoded;
    if (!cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, quality})) {
      throw AugmentFailure(WINNOW_STATUS_ERROR, "jpeg_recompress: JPEG encoding failed");
    }
    cv::Mat decoded = cv::imdecode(encoded, grey ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (decoded.empty() || decoded.size() != colour.size()) {
      throw AugmentFailure(WINNOW_STATUS_ERROR, "jpeg_recompress: JPEG decoding failed");
    }
    if (grey) return decoded;
    cv::Mat output;
    cv::cvtColor(decoded, output, cv::COLOR_BGR2RGB);
    return output;
  });
}

cv::Mat chain(const AugmentationSpec& spec, const cv::Mat& input, SeededRandom& random) {
  cv::Mat current = input;
  bool applied = false;
  // Each step draws its coin and its seed whether it runs or not, so one step's parameters do not
  // shift the random choices of the steps after it.
  for (const ChainStep& step : spec.steps) {
    const bool run = random.chance(step.probability);
    const std::uint64_t stepSeed = random.next();
    if (run) {
      current = applyAugmentation(step.spec, current, stepSeed);
      applied = true;
    }
  }
  if (!applied && spec.ensureOne && !spec.steps.empty()) {
    const int index = random.uniformInt(0, static_cast<int>(spec.steps.size()) - 1);
    current = applyAugmentation(spec.steps[static_cast<std::size_t>(index)].spec, current, random.next());
  }
  return current.data == input.data ? input.clone() : current;
}

}  // namespace

cv::Mat applyAugmentation(const AugmentationSpec& spec, const cv::Mat& input, std::uint64_t seed) {
  if (input.empty() || input.depth() != CV_8U || input.channels() < 1 || input.channels() > 4 ||
      input.channels() == 2) {
    throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT,
                         std::string(augmentationId(spec.kind)) + ": input must be 8-bit grey, RGB or RGBA");
  }
  SeededRandom random(mixSeed(seed, static_cast<std::uint64_t>(spec.kind)));
  switch (spec.kind) {
    case AugmentationKind::Rotate: return rotate(input, spec.maxDegrees, random);
    case AugmentationKind::HorizontalFlip: return horizontalFlip(input, spec.flipProbability, random);
    case AugmentationKind::GaussianNoise: return gaussianNoise(input, spec.noiseSigma, random);
    case AugmentationKind::Blur: return blur(input, spec.blurSigma, spec.blurMaxKernel, random);
    case AugmentationKind::BrightnessContrast:
      return brightnessContrast(input, spec.brightness, spec.contrast, random);
    case AugmentationKind::RandomResizedCrop:
      return randomResizedCrop(input, spec.cropScale, spec.cropRatio, random);
    case AugmentationKind::JpegRecompress: return jpegRecompress(input, spec.jpegQuality, random);
    case AugmentationKind::Chain: return chain(spec, input, random);
    case AugmentationKind::Invalid: break;
  }
  throw AugmentFailure(WINNOW_STATUS_INVALID_ARGUMENT, "unknown augmentation");
}

}  // namespace winnow::augmenter_opencv
