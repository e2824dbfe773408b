#include "winnow/image/image.hpp"

namespace winnow {

int channelCount(PixelFormat format) {
  switch (format) {
    case PixelFormat::Gray8: return 1;
    case PixelFormat::Rgb8: return 3;
    case PixelFormat::Rgba8: return 4;
    case PixelFormat::Invalid: return 0;
  }
  return 0;
}

}  // namespace winnow
