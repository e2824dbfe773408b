// Drawing helpers that more than one part of the window uses.
#pragma once

#include <cstddef>
#include <cstdint>

#include <imgui.h>

#include "texture_cache.hpp"

namespace winnow::workbench {

// A GL texture as Dear ImGui's OpenGL backend takes it.
inline ImTextureID textureId(GLuintValue texture) {
  return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture));
}

// The colour of the class at `index` of the catalogue's labels (sidebar keys, overview charts).
inline ImU32 classColour(std::size_t index) {
  static const ImU32 palette[] = {IM_COL32(86, 156, 214, 255), IM_COL32(214, 157, 86, 255),
                                  IM_COL32(106, 190, 110, 255), IM_COL32(206, 92, 92, 255),
                                  IM_COL32(170, 120, 210, 255), IM_COL32(90, 190, 190, 255),
                                  IM_COL32(200, 200, 90, 255),  IM_COL32(220, 130, 180, 255),
                                  IM_COL32(150, 150, 150, 255)};
  return palette[index % (sizeof(palette) / sizeof(palette[0]))];
}

}  // namespace winnow::workbench
