// decodeJpeg: libjpeg(-turbo) straight into the Image buffer, with an error manager that turns
// fatal errors into a reason (longjmp back here) and warnings into CodecWarnings instead of
// libjpeg's default print to stderr. Settings match OpenCV's JPEG reader (same library, default
// DCT and upsampling), so pixels equal cv::imdecode's.
#include <cstddef>
#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "opencv_decoding.hpp"
#include "codec_decoders.hpp"

namespace winnow::image::detail {

void CodecWarnings::add(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (messages.size() >= 4) return;
  for (const std::string& seen : messages) {
    if (seen == line) return;
  }
  messages.push_back(std::move(line));
}

namespace {

struct JpegErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char firstError[JMSG_LENGTH_MAX];
  CodecWarnings* warnings;
  int warningCount;
};

void onJpegError(j_common_ptr cinfo) {
  auto* manager = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->firstError);
  std::longjmp(manager->jump, 1);
}

// msgLevel -1 is a warning (corrupt data and the like); >= 0 are trace messages, ignored.
void onJpegMessage(j_common_ptr cinfo, int msgLevel) {
  auto* manager = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  if (msgLevel >= 0) return;
  ++manager->warningCount;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  manager->warnings->add(std::string("libjpeg: ") + text);
}

void onJpegOutput(j_common_ptr /*cinfo*/) {}

// OpenCV's CMYK conversion (Adobe files store inverted CMYK).
void cmykRowToRgb(const JSAMPLE* cmyk, std::uint8_t* rgb, unsigned width) {
  for (unsigned i = 0; i < width; ++i, cmyk += 4, rgb += 3) {
    const int k = cmyk[3];
    rgb[0] = static_cast<std::uint8_t>(k - ((255 - cmyk[0]) * k >> 8));
    rgb[1] = static_cast<std::uint8_t>(k - ((255 - cmyk[1]) * k >> 8));
    rgb[2] = static_cast<std::uint8_t>(k - ((255 - cmyk[2]) * k >> 8));
  }
}

// Only trivially destructible locals live between setjmp and longjmp.
bool decodeJpegGuarded(jpeg_decompress_struct& cinfo, JpegErrorManager& manager, const std::uint8_t* data,
                       std::size_t size, int scaleDenominator, bool grey, Image& out, std::vector<JSAMPLE>& row) {
  if (setjmp(manager.jump) != 0) return false;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, const_cast<unsigned char*>(data), static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(scaleDenominator);
  const bool cmyk = cinfo.num_components == 4;
  const bool wantGrey = grey && cinfo.num_components == 1;
  cinfo.out_color_space = cmyk ? JCS_CMYK : wantGrey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  allocate(out, static_cast<int>(cinfo.output_width), static_cast<int>(cinfo.output_height),
           wantGrey ? PixelFormat::Gray8 : PixelFormat::Rgb8);
  const std::size_t stride = out.strideBytes();
  if (cmyk) row.resize(static_cast<std::size_t>(cinfo.output_width) * 4);
  while (cinfo.output_scanline < cinfo.output_height) {
    std::uint8_t* target = out.pixels.data() + stride * cinfo.output_scanline;
    JSAMPROW rowPointer = cmyk ? row.data() : target;
    if (jpeg_read_scanlines(&cinfo, &rowPointer, 1) != 1) break;
    if (cmyk) cmykRowToRgb(row.data(), target, cinfo.output_width);
  }
  jpeg_finish_decompress(&cinfo);
  return true;
}

}  // namespace

bool decodeJpeg(const std::uint8_t* data, std::size_t size, int scaleDenominator, bool grey, Image& out,
                CodecWarnings& warnings, std::string& reason) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  JpegErrorManager manager;
  std::memset(&manager, 0, sizeof manager);
  cinfo.err = jpeg_std_error(&manager.pub);
  manager.pub.error_exit = onJpegError;
  manager.pub.emit_message = onJpegMessage;
  manager.pub.output_message = onJpegOutput;
  manager.warnings = &warnings;
  std::vector<JSAMPLE> row;
  Image decoded;
  const bool ok = decodeJpegGuarded(cinfo, manager, data, size, scaleDenominator, grey, decoded, row);
  jpeg_destroy_decompress(&cinfo);
  if (!ok) {
    reason = std::string("cannot decode jpeg data (libjpeg: ") + manager.firstError + ")";
    return false;
  }
  if (manager.warningCount > 1)
    warnings.add("libjpeg: " + std::to_string(manager.warningCount) + " warnings in all");
  out = std::move(decoded);
  return true;
}

}  // namespace winnow::image::detail
