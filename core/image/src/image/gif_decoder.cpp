// decodeGifFirstFrame: giflib, read record by record from memory. Only the first frame is
// decoded (one screen-sized buffer); later frames are skipped block by block and counted, so an
// animated GIF costs no more memory than a still one.
#include <gif_lib.h>

#include <algorithm>
#include <cstring>

#include "opencv_decoding.hpp"
#include "codec_decoders.hpp"

namespace winnow::image::detail {
namespace {

struct GifSource {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t offset;
};

int readGif(GifFileType* gif, GifByteType* target, int length) {
  auto* source = static_cast<GifSource*>(gif->UserData);
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, length)),
                                              source->size - source->offset);
  std::memcpy(target, source->data + source->offset, n);
  source->offset += n;
  return static_cast<int>(n);
}

struct GifCloser {
  GifFileType* gif = nullptr;
  ~GifCloser() {
    int ignored = 0;
    if (gif != nullptr) DGifCloseFile(gif, &ignored);
  }
};

std::string gifError(int code) {
  const char* text = GifErrorString(code);
  return std::string("cannot decode gif data (giflib: ") + (text ? text : "unknown error") + ")";
}

}  // namespace

bool decodeGifFirstFrame(const std::uint8_t* data, std::size_t size, bool preserve, Image& out, int& frameCount,
                         CodecWarnings& warnings, std::string& reason) {
  GifSource source{data, size, 0};
  int error = 0;
  GifCloser closer;
  closer.gif = DGifOpen(&source, readGif, &error);
  GifFileType* gif = closer.gif;
  if (gif == nullptr) {
    reason = gifError(error);
    return false;
  }
  const int screenW = gif->SWidth;
  const int screenH = gif->SHeight;
  if (screenW <= 0 || screenH <= 0) {
    reason = "invalid GIF screen size";
    return false;
  }
  frameCount = 0;
  int transparentIndex = NO_TRANSPARENT_COLOR;
  std::vector<GifPixelType> indices;  // the first frame's palette indices, screen-sized
  std::vector<std::uint8_t> opaque;   // 1 where the first frame painted a pixel
  bool done = false;
  std::vector<GifColorType> palette;  // copied: giflib frees a frame's map at the next frame
  while (!done) {
    GifRecordType record = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif, &record) == GIF_ERROR) {
      if (frameCount > 0) {  // the first frame is whole; a damaged tail only costs later frames
        warnings.add("gif: data after frame " + std::to_string(frameCount) + " is damaged (" + gifError(gif->Error) + ")");
        break;
      }
      reason = gifError(gif->Error);
      return false;
    }
    switch (record) {
      case IMAGE_DESC_RECORD_TYPE: {
        if (DGifGetImageDesc(gif) == GIF_ERROR) {
          if (frameCount > 0) { done = true; break; }
          reason = gifError(gif->Error);
          return false;
        }
        ++frameCount;
        const GifImageDesc& desc = gif->Image;
        if (frameCount == 1) {
          if (desc.Width <= 0 || desc.Height <= 0 || desc.Width > 65535 || desc.Height > 65535) {
            reason = "invalid GIF frame size";
            return false;
          }
          const ColorMapObject* frameMap = desc.ColorMap != nullptr ? desc.ColorMap : gif->SColorMap;
          if (frameMap == nullptr || frameMap->Colors == nullptr) {
            reason = "GIF has no colour table";
            return false;
          }
          palette.assign(frameMap->Colors, frameMap->Colors + std::max(0, frameMap->ColorCount));
          indices.assign(static_cast<std::size_t>(screenW) * screenH, 0);
          opaque.assign(indices.size(), 0);
          std::vector<GifPixelType> line(static_cast<std::size_t>(desc.Width));
          static const int kStart[] = {0, 4, 2, 1};
          static const int kStep[] = {8, 8, 4, 2};
          const int passes = desc.Interlace ? 4 : 1;
          for (int pass = 0; pass < passes; ++pass) {
            const int first = desc.Interlace ? kStart[pass] : 0;
            const int step = desc.Interlace ? kStep[pass] : 1;
            for (int y = first; y < desc.Height; y += step) {
              if (DGifGetLine(gif, line.data(), desc.Width) == GIF_ERROR) {
                reason = gifError(gif->Error);
                return false;
              }
              const int sy = desc.Top + y;
              if (sy < 0 || sy >= screenH) continue;
              for (int x = 0; x < desc.Width; ++x) {
                const int sx = desc.Left + x;
                if (sx < 0 || sx >= screenW) continue;
                const std::size_t at = static_cast<std::size_t>(sy) * screenW + sx;
                indices[at] = line[static_cast<std::size_t>(x)];
                opaque[at] = line[static_cast<std::size_t>(x)] != transparentIndex ? 1 : 0;
              }
            }
          }
        } else {
          int codeSize = 0;
          GifByteType* block = nullptr;
          if (DGifGetCode(gif, &codeSize, &block) == GIF_ERROR) { done = true; break; }
          while (block != nullptr) {
            if (DGifGetCodeNext(gif, &block) == GIF_ERROR) { done = true; break; }
          }
        }
        break;
      }
      case EXTENSION_RECORD_TYPE: {
        int code = 0;
        GifByteType* extension = nullptr;
        if (DGifGetExtension(gif, &code, &extension) == GIF_ERROR) {
          if (frameCount > 0) { done = true; break; }
          reason = gifError(gif->Error);
          return false;
        }
        if (code == GRAPHICS_EXT_FUNC_CODE && extension != nullptr && frameCount == 0) {
          GraphicsControlBlock gcb;
          if (DGifExtensionToGCB(extension[0], extension + 1, &gcb) == GIF_OK) transparentIndex = gcb.TransparentColor;
        }
        while (extension != nullptr) {
          if (DGifGetExtensionNext(gif, &extension) == GIF_ERROR) {
            if (frameCount > 0) { done = true; break; }
            reason = gifError(gif->Error);
            return false;
          }
        }
        break;
      }
      case TERMINATE_RECORD_TYPE: done = true; break;
      default: break;
    }
  }
  if (frameCount == 0) {
    reason = "GIF has no image";
    return false;
  }
  bool anyTransparent = false;
  for (std::uint8_t o : opaque) anyTransparent |= o == 0;
  const PixelFormat format = preserve && anyTransparent ? PixelFormat::Rgba8 : PixelFormat::Rgb8;
  allocate(out, screenW, screenH, format);
  const int channels = channelCount(format);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    std::uint8_t* p = out.pixels.data() + i * channels;
    const int index = indices[i];
    if (opaque[i] && index < static_cast<int>(palette.size())) {
      const GifColorType& c = palette[static_cast<std::size_t>(index)];
      p[0] = c.Red;
      p[1] = c.Green;
      p[2] = c.Blue;
    } else {
      p[0] = p[1] = p[2] = 0;
    }
    if (channels == 4) p[3] = opaque[i] ? 255 : 0;
  }
  return true;
}

}  // namespace winnow::image::detail
