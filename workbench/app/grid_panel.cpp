#include "grid_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "panel_drawing.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/review/thumbnail_cache.hpp"

namespace winnow::workbench {

namespace {

constexpr float kTileSpacing = 6.0F;
constexpr int kReviewMaxSide = 1024;

}  // namespace

GridPanel::~GridPanel() { deleteTexture(reviewTexture_); }

void GridPanel::draw() {
  if (context_.session().imageOpen()) {
    drawImageReview();
  } else {
    drawGrid();
  }
}

void GridPanel::execute(const ReviewCommand& command) {
  context_.clearStatus();
  if (Status done = context_.session().execute(command); !done) context_.setStatus(done.error().message);
  if (command.kind == ReviewCommandKind::Move) scrollToCursor_ = true;
}

Status GridPanel::runScriptCommand(const ScriptStep& step) {
  ReviewState& state = context_.state();
  switch (step.verb) {
    case ScriptVerb::Goto: {
      const std::int64_t id = std::stoll(step.args[0]);
      for (std::size_t p = 0; p < state.visible().size(); ++p) {
        if (state.visibleItem(p).sampleId == id) {
          state.click(p, false, false);
          scrollToCursor_ = true;
          return okStatus();
        }
      }
      return makeError(ErrorCode::NotFound, "sample " + step.args[0] + " is not shown in the grid");
    }
    case ScriptVerb::Scroll:
      scriptScrollPixels_ = static_cast<float>(std::stoll(step.args[0]));
      return okStatus();
    default:
      return makeError(ErrorCode::Internal, "the grid has no script command on line " + std::to_string(step.lineNumber));
  }
}

void GridPanel::drawGrid() {
  ReviewState& state = context_.state();
  const auto& catalog = state.catalog();
  const float side = static_cast<float>(thumbnailSide_);
  const float captionHeight = ImGui::GetTextLineHeight() * 2.0F;
  const float cellWidth = side + kTileSpacing;
  const float rowHeight = side + captionHeight + kTileSpacing;
  ImGui::BeginChild("grid", ImVec2(0, 0), false);
  const int columns = std::max(1, static_cast<int>((ImGui::GetContentRegionAvail().x + kTileSpacing) / cellWidth));
  state.setColumns(columns);
  state.setPageRows(std::max(1, static_cast<int>(ImGui::GetWindowHeight() / rowHeight)));
  const std::size_t count = state.visible().size();
  const int rows = static_cast<int>((count + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));

  if (scriptScrollPixels_ != 0.0F) {
    float next = ImGui::GetScrollY() + scriptScrollPixels_;
    if (next > ImGui::GetScrollMaxY()) next = 0.0F;  // wrap, so a long scroll keeps moving
    ImGui::SetScrollY(next);
    scriptScrollPixels_ = 0.0F;
  } else if (scrollToCursor_ && count > 0) {
    const float rowTop = static_cast<float>(state.cursor() / static_cast<std::size_t>(columns)) * rowHeight;
    if (rowTop < ImGui::GetScrollY()) ImGui::SetScrollY(rowTop);
    if (rowTop + rowHeight > ImGui::GetScrollY() + ImGui::GetWindowHeight()) {
      ImGui::SetScrollY(rowTop + rowHeight - ImGui::GetWindowHeight());
    }
  }
  scrollToCursor_ = false;

  // Tiles are drawn straight into the draw list (one Dummy per row for layout and clipping) and
  // clicks are mapped from the mouse position: no widget per tile keeps frames cheap at any size.
  const ImGuiIO& io = ImGui::GetIO();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 gridOrigin = ImGui::GetCursorScreenPos();
  if (ImGui::IsWindowHovered() && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    const float x = io.MousePos.x - gridOrigin.x, y = io.MousePos.y - gridOrigin.y;
    const auto column = static_cast<int>(x / cellWidth);
    const auto row = static_cast<int>(y / rowHeight);
    if (x >= 0 && y >= 0 && column < columns && x - column * cellWidth <= side) {
      const std::size_t position = static_cast<std::size_t>(row) * static_cast<std::size_t>(columns) + static_cast<std::size_t>(column);
      if (position < count) {
        state.click(position, io.KeyCtrl, io.KeyShift);
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) context_.session().setImageOpen(true);
      }
    }
  }
  const float lineHeight = ImGui::GetTextLineHeight();
  ImGuiListClipper clipper;
  clipper.Begin(rows, rowHeight);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const ImVec2 rowOrigin(gridOrigin.x, gridOrigin.y + static_cast<float>(row) * rowHeight);
      ImGui::SetCursorScreenPos(rowOrigin);
      for (int column = 0; column < columns; ++column) {
        const std::size_t position = static_cast<std::size_t>(row) * static_cast<std::size_t>(columns) + static_cast<std::size_t>(column);
        if (position >= count) break;
        const review::CatalogItem& item = state.visibleItem(position);
        const ImVec2 tileOrigin(rowOrigin.x + static_cast<float>(column) * cellWidth, rowOrigin.y);
        const ImVec2 tileEnd(tileOrigin.x + side, tileOrigin.y + side + captionHeight);
        context_.drawThumbnailAt(item, tileOrigin, side);
        draw->PushClipRect(ImVec2(tileOrigin.x, tileOrigin.y + side), tileEnd, true);
        const std::string caption = "#" + std::to_string(item.sampleId) + " " + item.label.value_or("(unlabelled)");
        draw->AddText(ImVec2(tileOrigin.x, tileOrigin.y + side), IM_COL32(230, 230, 230, 255), caption.c_str());
        const std::string second = item.source + (item.split.empty() ? "" : " / " + item.split) +
                                   (item.status == store::kStatusActive ? "" : " / " + item.status);
        draw->AddText(ImVec2(tileOrigin.x, tileOrigin.y + side + lineHeight), IM_COL32(140, 140, 140, 255), second.c_str());
        draw->PopClipRect();
        if (item.status == store::kStatusRejected) {
          draw->AddLine(tileOrigin, ImVec2(tileOrigin.x + side, tileOrigin.y + side), IM_COL32(230, 60, 60, 220), 3.0F);
          draw->AddLine(ImVec2(tileOrigin.x + side, tileOrigin.y), ImVec2(tileOrigin.x, tileOrigin.y + side),
                        IM_COL32(230, 60, 60, 220), 3.0F);
        } else if (item.status == store::kStatusDuplicate) {
          draw->AddRect(tileOrigin, ImVec2(tileOrigin.x + side, tileOrigin.y + side), IM_COL32(230, 160, 40, 255), 0, 0, 2.0F);
        }
        if (state.isSelected(item.sampleId)) {
          draw->AddRect(ImVec2(tileOrigin.x - 2, tileOrigin.y - 2), ImVec2(tileEnd.x + 2, tileEnd.y + 2),
                        IM_COL32(80, 150, 255, 255), 0, 0, 2.0F);
        }
        if (position == state.cursor()) {
          draw->AddRect(ImVec2(tileOrigin.x - 3, tileOrigin.y - 3), ImVec2(tileEnd.x + 3, tileEnd.y + 3),
                        IM_COL32(255, 220, 60, 255), 0, 0, 2.0F);
        }
      }
      ImGui::Dummy(ImVec2(static_cast<float>(columns) * cellWidth, rowHeight));
    }
  }
  clipper.End();
  if (count == 0) ImGui::TextDisabled("no samples match the filters (%zu in the project)", catalog.items.size());
  ImGui::EndChild();
}

void GridPanel::loadReviewImage(const review::CatalogItem& item) {
  reviewSampleId_ = item.sampleId;
  deleteTexture(reviewTexture_);
  reviewTexture_ = 0;
  reviewError_.clear();
  reviewFaces_.clear();
  auto bytes = image::readFileBytes(item.imagePath);
  Result<Image> decoded = bytes ? image::decodeImageReduced(*bytes, item.imagePath, kReviewMaxSide)
                                : Result<Image>(bytes.error());
  if (decoded) {
    const Image shown = review::fitWithin(*decoded, kReviewMaxSide);
    reviewTexture_ = uploadTexture(shown);
    reviewWidth_ = shown.width;
    reviewHeight_ = shown.height;
    reviewScale_ = item.width > 0 ? static_cast<double>(shown.width) / item.width : 1.0;
  } else {
    reviewError_ = decoded.error().message;
  }
  auto faces = review::listSampleFaces(context_.store(), item.sampleId);
  if (faces) reviewFaces_ = std::move(faces.value());
}

void GridPanel::drawImageReview() {
  const auto id = context_.state().cursorSampleId();
  if (!id) {
    context_.session().setImageOpen(false);
    return;
  }
  const auto& catalog = context_.state().catalog();
  const review::CatalogItem& item = catalog.items[*catalog.itemIndex(*id)];
  if (reviewSampleId_ != *id) loadReviewImage(item);

  const float infoWidth = 300.0F;
  ImGui::BeginChild("image", ImVec2(-infoWidth, 0), true);
  if (reviewTexture_ != 0) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float scale = std::min(avail.x / reviewWidth_, avail.y / reviewHeight_);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Image(textureId(reviewTexture_), ImVec2(reviewWidth_ * scale, reviewHeight_ * scale));
    // Faces are stored in the oriented full-resolution frame.
    const float k = static_cast<float>(reviewScale_) * scale;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    for (std::size_t f = 0; f < reviewFaces_.size(); ++f) {
      const plugin::FaceBox& box = reviewFaces_[f].box;
      const ImU32 colour = f == 0 ? IM_COL32(60, 230, 90, 255) : IM_COL32(240, 200, 60, 255);
      const ImVec2 a(origin.x + box.x * k, origin.y + box.y * k);
      draw->AddRect(a, ImVec2(a.x + box.width * k, a.y + box.height * k), colour, 0, 0, 2.0F);
      char text[96];
      std::snprintf(text, sizeof text, "%s %.2f", reviewFaces_[f].detector.c_str(), box.score);
      draw->AddText(ImVec2(a.x, a.y - ImGui::GetTextLineHeight()), colour, text);
      for (std::size_t p = 0; p + 1 < box.landmarks.size(); p += 2) {
        draw->AddCircleFilled(ImVec2(origin.x + box.landmarks[p] * k, origin.y + box.landmarks[p + 1] * k), 2.0F,
                              IM_COL32(255, 80, 200, 255));
      }
    }
  } else {
    ImGui::TextColored(ImVec4(1, 0.5F, 0.5F, 1), "cannot show this image");
    ImGui::TextWrapped("%s", reviewError_.c_str());
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("info", ImVec2(0, 0), true);
  ImGui::Text("sample %lld", static_cast<long long>(item.sampleId));
  ImGui::TextWrapped("%s", item.imagePath.string().c_str());
  ImGui::Separator();
  ImGui::Text("class   %s", item.label.value_or("(unlabelled)").c_str());
  ImGui::Text("source  %s", item.source.c_str());
  ImGui::Text("split   %s", item.split.empty() ? "(unassigned)" : item.split.c_str());
  ImGui::Text("status  %s", item.status.c_str());
  ImGui::Text("size    %d x %d", item.width, item.height);
  ImGui::Text("faces   %zu", reviewFaces_.size());
  if (!item.flags.empty()) {
    ImGui::Separator();
    for (int flag : item.flags) ImGui::TextColored(ImVec4(1, 0.7F, 0.3F, 1), "flag: %s", catalog.flagNames[static_cast<std::size_t>(flag)].c_str());
  }
  ImGui::Separator();
  const std::size_t row = *catalog.itemIndex(*id);
  for (std::size_t m = 0; m < catalog.measureNames.size(); ++m) {
    const float value = catalog.measure(row, m);
    if (!std::isnan(value)) ImGui::Text("%-24s %.3f", catalog.measureNames[m].c_str(), value);
  }
  ImGui::Separator();
  ImGui::TextDisabled("Enter/Esc back, arrows next/previous");
  ImGui::EndChild();
}

}  // namespace winnow::workbench
