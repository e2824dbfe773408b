// The Grid panel: the virtualised thumbnail grid over the review state's visible samples, and the
// full-image review of the cursor's sample (every stored face box and its landmarks, the sample's
// fields, flags and measures) while the session has the image open.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "texture_cache.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/workbench_script.hpp"
#include "workbench_context.hpp"

namespace winnow::workbench {

class GridPanel {
 public:
  GridPanel(WorkbenchContext& context, int thumbnailSide) : context_(context), thumbnailSide_(thumbnailSide) {}
  // Deletes the review's texture: the GL context must still be current.
  ~GridPanel();
  GridPanel(const GridPanel&) = delete;
  GridPanel& operator=(const GridPanel&) = delete;

  void draw();
  // A review key's command (the shell shows this panel for it): runs it on the session, shows a
  // refusal in the status line, keeps a moved cursor in view.
  void execute(const ReviewCommand& command);
  // Script commands of this panel: goto <id>, scroll <pixels> (one frame's worth). An error's
  // message says why the command cannot be done.
  Status runScriptCommand(const ScriptStep& step);

 private:
  void drawGrid();
  void drawImageReview();
  // Loads the review's texture and faces for a new sample.
  void loadReviewImage(const review::CatalogItem& item);

  WorkbenchContext& context_;
  int thumbnailSide_ = 0;
  bool scrollToCursor_ = false;
  float scriptScrollPixels_ = 0.0F;

  // Full image review (loaded on demand for the cursor's sample).
  std::int64_t reviewSampleId_ = 0;
  GLuintValue reviewTexture_ = 0;
  int reviewWidth_ = 0, reviewHeight_ = 0;
  double reviewScale_ = 1.0;  // texture pixels per original pixel
  std::string reviewError_;
  std::vector<review::SampleFace> reviewFaces_;
};

}  // namespace winnow::workbench
