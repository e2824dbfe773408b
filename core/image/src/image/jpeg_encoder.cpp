// encodeJpeg: libjpeg(-turbo) straight from the Image buffer into memory. Thumbnails are written
// by ingest for every sample; going through cv::imencode would open OpenCV's imgcodecs (and the
// ~200 libraries behind it, lazy_opencv/) in a command that otherwise never needs it.
#include <cstddef>
#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include <csetjmp>
#include <cstdlib>
#include <cstring>

#include "opencv_decoding.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {

namespace {

struct EncoderErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void onEncoderError(j_common_ptr cinfo) {
  auto* manager = reinterpret_cast<EncoderErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->message);
  std::longjmp(manager->jump, 1);
}

void onEncoderMessage(j_common_ptr /*cinfo*/, int /*level*/) {}

// Only trivially destructible locals live between setjmp and longjmp; the output buffer is
// malloc'ed by libjpeg (jpeg_mem_dest) and freed by the caller.
bool encodeGuarded(jpeg_compress_struct& cinfo, EncoderErrorManager& manager, const Image& image, int quality,
                   unsigned char** output, unsigned long* outputSize) {
  if (setjmp(manager.jump) != 0) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, output, outputSize);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels() == 1 ? 1 : 3;
  cinfo.in_color_space = image.channels() == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t stride = image.strideBytes();
  while (cinfo.next_scanline < cinfo.image_height) {
    auto* row = const_cast<JSAMPLE*>(image.pixels.data() + stride * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

}  // namespace

Result<std::vector<std::uint8_t>> encodeJpeg(const Image& image, int quality) {
  if (!isConsistent(image) || (image.channels() != 1 && image.channels() != 3 && image.channels() != 4)) {
    return makeError(ErrorCode::InvalidArgument, "encodeJpeg: empty or inconsistent image");
  }
  Image rgb;
  const Image* source = &image;
  if (image.channels() == 4) {  // alpha dropped
    detail::allocate(rgb, image.width, image.height, PixelFormat::Rgb8);
    const std::uint8_t* from = image.pixels.data();
    std::uint8_t* to = rgb.pixels.data();
    for (std::size_t i = 0, n = static_cast<std::size_t>(image.width) * image.height; i < n; ++i, from += 4, to += 3) {
      std::memcpy(to, from, 3);
    }
    source = &rgb;
  }
  jpeg_compress_struct cinfo{};
  EncoderErrorManager manager{};
  cinfo.err = jpeg_std_error(&manager.pub);
  manager.pub.error_exit = onEncoderError;
  manager.pub.emit_message = onEncoderMessage;
  unsigned char* output = nullptr;
  unsigned long outputSize = 0;
  const bool ok = encodeGuarded(cinfo, manager, *source, quality < 1 ? 1 : (quality > 100 ? 100 : quality), &output, &outputSize);
  std::vector<std::uint8_t> bytes;
  if (ok && output != nullptr) bytes.assign(output, output + outputSize);
  std::free(output);
  if (!ok) return makeError(ErrorCode::Internal, std::string("encodeJpeg: libjpeg: ") + manager.message);
  return bytes;
}

}  // namespace winnow::image
