#include "heif_codec.hpp"

#include <libheif/heif.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace winnow::image::detail {
namespace {

struct ContextDeleter {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageDeleter {
  void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};

using ContextPtr = std::unique_ptr<heif_context, ContextDeleter>;
using HandlePtr = std::unique_ptr<heif_image_handle, HandleDeleter>;

// heif_init is reference counted; the library stays initialised for the life of the process.
void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { heif_init(nullptr); });
}

bool openPrimary(const std::uint8_t* data, std::size_t size, ContextPtr& ctx, HandlePtr& handle,
                 std::string& reason) {
  initOnce();
  ctx.reset(heif_context_alloc());
  if (!ctx) {
    reason = "out of memory";
    return false;
  }
  heif_error err = heif_context_read_from_memory_without_copy(ctx.get(), data, size, nullptr);
  if (err.code != heif_error_Ok) {
    reason = std::string("corrupt HEIF container: ") + (err.message ? err.message : "unknown");
    return false;
  }
  heif_image_handle* raw = nullptr;
  err = heif_context_get_primary_image_handle(ctx.get(), &raw);
  handle.reset(raw);
  if (err.code != heif_error_Ok || !handle) {
    reason = std::string("HEIF without a primary image: ") + (err.message ? err.message : "unknown");
    return false;
  }
  return true;
}

}  // namespace

bool probeHeif(const std::uint8_t* data, std::size_t size, HeifHeader& header, std::string& reason) {
  ContextPtr ctx;
  HandlePtr handle;
  if (!openPrimary(data, size, ctx, handle, reason)) return false;
  header.width = heif_image_handle_get_width(handle.get());
  header.height = heif_image_handle_get_height(handle.get());
  header.hasAlpha = heif_image_handle_has_alpha_channel(handle.get()) != 0;

  heif_item_id id = 0;
  if (heif_image_handle_get_list_of_metadata_block_IDs(handle.get(), "Exif", &id, 1) == 1) {
    const std::size_t n = heif_image_handle_get_metadata_size(handle.get(), id);
    if (n > 0 && n < (64u << 20)) {
      std::vector<std::uint8_t> block(n);
      if (heif_image_handle_get_metadata(handle.get(), id, block.data()).code == heif_error_Ok &&
          n >= 4) {
        // HEIF Exif items start with a 4-byte big-endian offset to the TIFF header.
        const std::size_t skip =
            4 + ((std::size_t{block[0]} << 24) | (std::size_t{block[1]} << 16) |
                 (std::size_t{block[2]} << 8) | block[3]);
        std::size_t start = skip < n ? skip : n;
        if (n - start >= 6 && std::memcmp(block.data() + start, "Exif\0\0", 6) == 0) start += 6;
        header.exifTiff.assign(block.begin() + static_cast<std::ptrdiff_t>(start), block.end());
      }
    }
  }
  return true;
}

bool decodeHeif(const std::uint8_t* data, std::size_t size, bool wantAlpha, Image& out,
                std::string& reason) {
  ContextPtr ctx;
  HandlePtr handle;
  if (!openPrimary(data, size, ctx, handle, reason)) return false;
  const bool alpha = wantAlpha && heif_image_handle_has_alpha_channel(handle.get()) != 0;

  std::unique_ptr<heif_decoding_options, OptionsDeleter> options(heif_decoding_options_alloc());
  if (options) {
    options->ignore_transformations = 0;  // libheif rotates/mirrors; callers must not do it again
    if (options->version >= 2) options->convert_hdr_to_8bit = 1;
  }
  heif_image* raw = nullptr;
  const heif_error err =
      heif_decode_image(handle.get(), &raw, heif_colorspace_RGB,
                        alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, options.get());
  std::unique_ptr<heif_image, ImageDeleter> img(raw);
  if (err.code != heif_error_Ok || !img) {
    reason = std::string("cannot decode HEIF image: ") + (err.message ? err.message : "unknown");
    return false;
  }
  const int width = heif_image_get_width(img.get(), heif_channel_interleaved);
  const int height = heif_image_get_height(img.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
  const int channels = alpha ? 4 : 3;
  if (plane == nullptr || width <= 0 || height <= 0 ||
      heif_image_get_bits_per_pixel_range(img.get(), heif_channel_interleaved) != 8 ||
      stride < width * channels) {
    reason = "libheif returned no 8-bit interleaved plane";
    return false;
  }
  out.width = width;
  out.height = height;
  out.format = alpha ? PixelFormat::Rgba8 : PixelFormat::Rgb8;
  const std::size_t rowBytes = static_cast<std::size_t>(width) * channels;
  out.pixels.resize(rowBytes * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y)
    std::memcpy(out.pixels.data() + rowBytes * static_cast<std::size_t>(y),
                plane + static_cast<std::size_t>(stride) * static_cast<std::size_t>(y), rowBytes);
  return true;
}

}  // namespace winnow::image::detail
