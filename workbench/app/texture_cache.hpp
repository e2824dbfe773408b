// GL textures of thumbnails, by sample id, with the reason when a thumbnail could not be made.
// Bounded: beyond `capacity` textures, the least recently drawn ones are deleted (they are
// reloaded from the on-disk cache when scrolled back into view). UI thread only (GL context).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "winnow/image/image.hpp"

namespace winnow::workbench {

using GLuintValue = unsigned int;  // GLuint, without pulling GL headers into every file

// Uploads RGB/grey/RGBA pixels into a new texture (linear filtering, clamped); 0 on failure.
GLuintValue uploadTexture(const Image& image);
void deleteTexture(GLuintValue texture);

class TextureCache {
 public:
  struct Entry {
    GLuintValue texture = 0;  // 0 when failed
    int width = 0;
    int height = 0;
    std::string error;        // why there is no texture
    std::int64_t lastUsedFrame = 0;
  };

  explicit TextureCache(std::size_t capacity = 1500) : capacity_(capacity) {}
  ~TextureCache();
  TextureCache(const TextureCache&) = delete;
  TextureCache& operator=(const TextureCache&) = delete;

  // The entry, marked as used in this frame; nullptr when not loaded yet.
  const Entry* find(std::int64_t sampleId, std::int64_t frame);
  void putImage(std::int64_t sampleId, const Image& image, std::int64_t frame);
  void putError(std::int64_t sampleId, std::string error, std::int64_t frame);
  // Drops one sample's entry (its file changed), or every entry.
  void forget(std::int64_t sampleId);
  void clear();
  // Deletes least recently used textures not used in `frame` until within capacity.
  void trim(std::int64_t frame);
  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_map<std::int64_t, Entry> entries_;
};

}  // namespace winnow::workbench
