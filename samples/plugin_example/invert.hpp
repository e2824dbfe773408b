// The sample's actual work, kept apart from the C entry file so it can be tested on its own.
#pragma once

#include "winnow/sdk/plugin_helpers.hpp"

namespace example {

// Replaces each colour value v by 255 - v; alpha too unless preserveAlpha.
void invertInPlace(winnow::sdk::OwnedImage& image, bool preserveAlpha);

}  // namespace example
