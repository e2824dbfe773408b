// decodePng: libpng with our own error and warning functions (libpng's defaults print to stderr),
// reading from memory straight into the Image buffer. Transformations follow OpenCV's PNG reader
// (palette and low-depth grey expanded, tRNS as alpha when alpha is kept).
#include <png.h>

#include <csetjmp>
#include <cstring>

#include "opencv_decoding.hpp"
#include "codec_decoders.hpp"

namespace winnow::image::detail {
namespace {

struct PngContext {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t offset;
  CodecWarnings* warnings;
  char firstError[200];
};

void onPngError(png_structp png, png_const_charp message) {
  auto* context = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(context->firstError, sizeof context->firstError, "%s", message ? message : "error");
  png_longjmp(png, 1);
}

void onPngWarning(png_structp png, png_const_charp message) {
  auto* context = static_cast<PngContext*>(png_get_error_ptr(png));
  context->warnings->add(std::string("libpng: ") + (message ? message : "warning"));
}

void readFromMemory(png_structp png, png_bytep target, png_size_t length) {
  auto* context = static_cast<PngContext*>(png_get_io_ptr(png));
  if (length > context->size - context->offset) png_error(png, "truncated PNG data");
  std::memcpy(target, context->data + context->offset, length);
  context->offset += length;
}

bool decodePngGuarded(png_structp png, png_infop info, bool preserve, Image& out, std::vector<png_bytep>& rows) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);  // winnow's own limits were checked already
  png_read_info(png, info);
  const int colorType = png_get_color_type(png, info);
  const int bitDepth = png_get_bit_depth(png, info);
  const bool hasTrns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  const bool hasAlpha = (colorType & PNG_COLOR_MASK_ALPHA) != 0 || hasTrns;
  const bool isGrey = (colorType & PNG_COLOR_MASK_COLOR) == 0;
  PixelFormat format = PixelFormat::Rgb8;
  if (preserve && hasAlpha) format = PixelFormat::Rgba8;
  else if (preserve && isGrey) format = PixelFormat::Gray8;

  if (bitDepth == 16) png_set_scale_16(png);
  if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (isGrey && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (format == PixelFormat::Rgba8) {
    if (hasTrns) png_set_tRNS_to_alpha(png);
    if (isGrey) png_set_gray_to_rgb(png);
    if ((colorType & PNG_COLOR_MASK_ALPHA) == 0 && !hasTrns) png_set_filler(png, 0xff, PNG_FILLER_AFTER);
  } else {
    if ((colorType & PNG_COLOR_MASK_ALPHA) != 0) png_set_strip_alpha(png);
    if (isGrey && format == PixelFormat::Rgb8) png_set_gray_to_rgb(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int width = static_cast<int>(png_get_image_width(png, info));
  const int height = static_cast<int>(png_get_image_height(png, info));
  if (png_get_rowbytes(png, info) != static_cast<png_size_t>(width) * channelCount(format))
    png_error(png, "unexpected PNG row layout");
  allocate(out, width, height, format);
  rows.resize(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) rows[static_cast<std::size_t>(y)] = out.pixels.data() + out.strideBytes() * y;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

bool decodePng(const std::uint8_t* data, std::size_t size, bool preserve, Image& out, CodecWarnings& warnings,
               std::string& reason) {
  PngContext context{data, size, 0, &warnings, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, onPngError, onPngWarning);
  if (png == nullptr) {
    reason = "cannot decode png data (out of memory)";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    reason = "cannot decode png data (out of memory)";
    return false;
  }
  png_set_read_fn(png, &context, readFromMemory);
  std::vector<png_bytep> rows;
  Image decoded;
  const bool ok = decodePngGuarded(png, info, preserve, decoded, rows);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) {
    reason = std::string("cannot decode png data (libpng: ") + context.firstError + ")";
    return false;
  }
  out = std::move(decoded);
  return true;
}

}  // namespace winnow::image::detail
