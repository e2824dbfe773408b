// The working picture every pixel measure of winnow is taken on: the perceptual hashes and keeper
// measures of dupes, the quality measures, ingest's thumbnail. Made once per decode, so that
// ingest (which measures everything from its one decode) and the stages that measure a sample
// themselves (samples ingested before ingest did) get the same values by construction, and the
// full-size picture is walked twice (grey conversion, colour reduction), not once per measure.
#pragma once

#include "winnow/image/image.hpp"
#include "winnow/util/result.hpp"

namespace winnow::image {

// Longest side of the grey working picture. Measures compare across image sizes because they are
// all taken at this size; 256 keeps blur visible (the keeper rule's 96 px sharpness hides it on
// purpose) and keeps the documented quality thresholds (blur 15) meaning what they meant.
inline constexpr int kWorkingSide = 256;
// Longest side of the colour working picture: the workbench thumbnail, and (halved) the colour
// measures, which do not depend on resolution.
inline constexpr int kWorkingColourSide = 128;

struct WorkingImage {
  Image grey;    // Gray8 (BT.601 luma), longest side kWorkingSide (smaller pictures enlarged)
  Image colour;  // Rgb8, longest side kWorkingColourSide, never enlarged (a smaller picture is
                 // kept at its size)
};

// From a decoded picture of any supported channel count (alpha is dropped). Reductions halve
// with area averaging while the picture is at least twice the target, then finish bilinearly
// (a factor below 2): the quality of area averaging at a fraction of the cost of OpenCV's
// fractional area path, which is 10 times slower here. Fails (Decode) on an empty or
// inconsistent image. Thread-safe.
Result<WorkingImage> makeWorkingImage(const Image& image);

// `image` brought to a longest side of `side` the same way (enlarged bilinearly when smaller).
Image reduceToSide(const Image& image, int side);

}  // namespace winnow::image
