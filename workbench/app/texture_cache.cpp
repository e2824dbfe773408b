#include "texture_cache.hpp"

#include <GL/gl.h>

#include <algorithm>
#include <vector>

namespace winnow::workbench {

GLuintValue uploadTexture(const Image& image) {
  if (image.empty()) return 0;
  GLenum format = GL_RGB;
  switch (image.format) {
    case PixelFormat::Gray8: format = GL_LUMINANCE; break;
    case PixelFormat::Rgb8: format = GL_RGB; break;
    case PixelFormat::Rgba8: format = GL_RGBA; break;
    case PixelFormat::Invalid: return 0;
  }
  // Core profile has no GL_LUMINANCE: expand grey to RGB first.
  std::vector<std::uint8_t> expanded;
  const std::uint8_t* pixels = image.pixels.data();
  if (format == GL_LUMINANCE) {
    expanded.reserve(image.pixels.size() * 3);
    for (std::uint8_t grey : image.pixels) expanded.insert(expanded.end(), 3, grey);
    pixels = expanded.data();
    format = GL_RGB;
  }
  GLuint texture = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, format == GL_RGBA ? GL_RGBA8 : GL_RGB8, image.width, image.height, 0, format,
               GL_UNSIGNED_BYTE, pixels);
  glBindTexture(GL_TEXTURE_2D, 0);
  return texture;
}

void deleteTexture(GLuintValue texture) {
  if (texture != 0) {
    GLuint name = texture;
    glDeleteTextures(1, &name);
  }
}

TextureCache::~TextureCache() { clear(); }

const TextureCache::Entry* TextureCache::find(std::int64_t sampleId, std::int64_t frame) {
  auto found = entries_.find(sampleId);
  if (found == entries_.end()) return nullptr;
  found->second.lastUsedFrame = frame;
  return &found->second;
}

void TextureCache::putImage(std::int64_t sampleId, const Image& image, std::int64_t frame) {
  forget(sampleId);
  Entry entry;
  entry.texture = uploadTexture(image);
  entry.width = image.width;
  entry.height = image.height;
  if (entry.texture == 0) entry.error = "could not upload the thumbnail";
  entry.lastUsedFrame = frame;
  entries_[sampleId] = std::move(entry);
}

void TextureCache::putError(std::int64_t sampleId, std::string error, std::int64_t frame) {
  forget(sampleId);
  Entry entry;
  entry.error = std::move(error);
  entry.lastUsedFrame = frame;
  entries_[sampleId] = std::move(entry);
}

void TextureCache::forget(std::int64_t sampleId) {
  auto found = entries_.find(sampleId);
  if (found == entries_.end()) return;
  deleteTexture(found->second.texture);
  entries_.erase(found);
}

void TextureCache::clear() {
  for (auto& [id, entry] : entries_) deleteTexture(entry.texture);
  entries_.clear();
}

void TextureCache::trim(std::int64_t frame) {
  if (entries_.size() <= capacity_) return;
  // Trim to 90% so that the sort below runs once per many new textures, not every frame.
  const std::size_t target = capacity_ - capacity_ / 10;
  std::vector<std::pair<std::int64_t, std::int64_t>> byAge;  // (last used, sample id)
  for (const auto& [id, entry] : entries_) {
    if (entry.lastUsedFrame < frame) byAge.emplace_back(entry.lastUsedFrame, id);
  }
  std::sort(byAge.begin(), byAge.end());
  for (const auto& [used, id] : byAge) {
    if (entries_.size() <= target) break;
    forget(id);
  }
}

}  // namespace winnow::workbench
