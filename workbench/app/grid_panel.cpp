// Sidebar (filters, sort, class keys), overview (counts and class balance), the virtualised
// thumbnail grid and the full-image review.
#include <GL/gl.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "winnow/image/image_codec.hpp"
#include "winnow/review/thumbnail_cache.hpp"
#include "workbench_app.hpp"

namespace winnow::workbench {

namespace {

constexpr float kTileSpacing = 6.0F;
constexpr int kReviewMaxSide = 1024;

ImTextureID textureId(GLuintValue texture) {
  return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture));
}

// A combo over "(any)" + values; returns true when the choice changed.
bool filterCombo(const char* name, std::optional<std::string>& value, const std::vector<std::string>& options) {
  bool changed = false;
  const std::string preview = value ? (value->empty() ? "(none)" : *value) : "(any)";
  if (ImGui::BeginCombo(name, preview.c_str())) {
    if (ImGui::Selectable("(any)", !value)) {
      value.reset();
      changed = true;
    }
    for (const std::string& option : options) {
      if (ImGui::Selectable(option.empty() ? "(none)" : option.c_str(), value == option)) {
        value = option;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

ImU32 classColour(std::size_t index) {
  static const ImU32 palette[] = {IM_COL32(86, 156, 214, 255), IM_COL32(214, 157, 86, 255),
                                  IM_COL32(106, 190, 110, 255), IM_COL32(206, 92, 92, 255),
                                  IM_COL32(170, 120, 210, 255), IM_COL32(90, 190, 190, 255),
                                  IM_COL32(200, 200, 90, 255),  IM_COL32(220, 130, 180, 255),
                                  IM_COL32(150, 150, 150, 255)};
  return palette[index % (sizeof(palette) / sizeof(palette[0]))];
}

// One horizontal stacked bar per group, segments by class, with the group's name and total.
void drawBalanceChart(const char* title, const std::map<std::string, std::map<std::string, std::int64_t>>& counts,
                      const std::vector<std::string>& labels) {
  ImGui::TextUnformatted(title);
  std::int64_t largest = 1;
  for (const auto& [group, byLabel] : counts) {
    std::int64_t total = 0;
    for (const auto& [label, n] : byLabel) total += n;
    largest = std::max(largest, total);
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float barWidth = std::max(100.0F, ImGui::GetContentRegionAvail().x - 180.0F);
  for (const auto& [group, byLabel] : counts) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float height = ImGui::GetTextLineHeight();
    float x = origin.x + 120.0F;
    std::int64_t total = 0;
    draw->AddText(origin, IM_COL32(220, 220, 220, 255), group.empty() ? "(unassigned)" : group.c_str());
    for (std::size_t i = 0; i <= labels.size(); ++i) {
      const std::string label = i < labels.size() ? labels[i] : "";
      auto found = byLabel.find(label);
      if (found == byLabel.end()) continue;
      const float w = barWidth * static_cast<float>(found->second) / static_cast<float>(largest);
      draw->AddRectFilled(ImVec2(x, origin.y), ImVec2(x + w, origin.y + height),
                          i < labels.size() ? classColour(i) : IM_COL32(90, 90, 90, 255));
      x += w;
      total += found->second;
    }
    const std::string text = std::to_string(total);
    draw->AddText(ImVec2(x + 6.0F, origin.y), IM_COL32(220, 220, 220, 255), text.c_str());
    ImGui::Dummy(ImVec2(barWidth + 170.0F, height + 4.0F));
  }
}

}  // namespace

void WorkbenchApp::drawSidebar() {
  const auto& catalog = state_->catalog();
  ImGui::TextUnformatted("Filter");
  GridFilter filter = state_->filter();
  bool changed = false;
  std::vector<std::string> labels = catalog.labels;
  labels.push_back(kUnlabelledFilter);
  ImGui::PushItemWidth(-1);
  ImGui::TextDisabled("class");
  changed |= filterCombo("##class", filter.label, labels);
  ImGui::TextDisabled("source");
  changed |= filterCombo("##source", filter.source, catalog.sources);
  ImGui::TextDisabled("split");
  changed |= filterCombo("##split", filter.split, {"train", "val", "test", ""});
  ImGui::TextDisabled("status");
  changed |= filterCombo("##status", filter.status, {store::kStatusActive, store::kStatusRejected, store::kStatusDuplicate});
  ImGui::TextDisabled("flag");
  changed |= filterCombo("##flag", filter.flag, catalog.flagNames);
  if (filter.sampleIds) {
    ImGui::TextWrapped("only: %s (%zu)", filter.description.c_str(), filter.sampleIds->size());
    if (ImGui::Button("show all")) {
      filter.sampleIds.reset();
      filter.description.clear();
      changed = true;
    }
  }
  if (changed) state_->setFilter(std::move(filter));

  ImGui::Separator();
  ImGui::TextUnformatted("Sort by");
  GridSort sort = state_->sort();
  std::optional<std::string> measure = sort.measure.empty() ? std::optional<std::string>("sample id") : sort.measure;
  std::vector<std::string> measures = {"sample id"};
  measures.insert(measures.end(), catalog.measureNames.begin(), catalog.measureNames.end());
  bool sortChanged = filterCombo("##sort", measure, measures);
  sortChanged |= ImGui::Checkbox("descending", &sort.descending);
  if (sortChanged) {
    sort.measure = !measure || *measure == "sample id" ? "" : *measure;
    state_->setSort(sort);
  }
  ImGui::PopItemWidth();

  ImGui::Separator();
  ImGui::TextUnformatted("Keys");
  for (std::size_t i = 0; i < catalog.labels.size() && i < 9; ++i) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(classColour(i)), "%zu", i + 1);
    ImGui::SameLine();
    ImGui::TextUnformatted(catalog.labels[i].c_str());
  }
  ImGui::TextDisabled("arrows move, shift extends");
  ImGui::TextDisabled("R reject/restore, Enter image");
  ImGui::TextDisabled("Space/ctrl-click toggle");
  ImGui::TextDisabled("ctrl+Z undo, ctrl+Y redo");
}

void WorkbenchApp::drawOverview() {
  const auto& catalog = state_->catalog();
  if (overviewRevision_ != state_->catalogRevision()) {
    overview_ = OverviewCounts{};
    for (const review::CatalogItem& item : catalog.items) {
      ++overview_.byStatus[item.status];
      if (item.status != store::kStatusActive) continue;
      const std::string label = item.label.value_or("");
      ++overview_.byLabel[label];
      ++overview_.bySource[item.source];
      ++overview_.bySplit[item.split];
      ++overview_.labelBySplit[item.split][label];
      ++overview_.labelBySource[item.source][label];
    }
    overviewRevision_ = state_->catalogRevision();
  }
  auto table = [](const char* id, const char* title, const std::map<std::string, std::int64_t>& counts) {
    if (ImGui::BeginTable(id, 2, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
      ImGui::TableSetupColumn(title);
      ImGui::TableSetupColumn("samples");
      ImGui::TableHeadersRow();
      for (const auto& [key, count] : counts) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(key.empty() ? "(none)" : key.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(count));
      }
      ImGui::EndTable();
    }
  };
  ImGui::Text("%zu samples in %s", catalog.items.size(), store_->projectDir().string().c_str());
  ImGui::TextDisabled("counts of active samples; status counts all");
  if (ImGui::BeginTable("counts", 4)) {
    ImGui::TableNextColumn();
    table("by class", "class", overview_.byLabel);
    ImGui::TableNextColumn();
    table("by source", "source", overview_.bySource);
    ImGui::TableNextColumn();
    table("by split", "split", overview_.bySplit);
    ImGui::TableNextColumn();
    table("by status", "status", overview_.byStatus);
    ImGui::EndTable();
  }
  ImGui::Separator();
  for (std::size_t i = 0; i < catalog.labels.size(); ++i) {
    ImGui::ColorButton(("##c" + std::to_string(i)).c_str(), ImGui::ColorConvertU32ToFloat4(classColour(i)),
                       ImGuiColorEditFlags_NoTooltip, ImVec2(10, 10));
    ImGui::SameLine();
    ImGui::TextUnformatted(catalog.labels[i].c_str());
    if ((i + 1) % 6 != 0 && i + 1 < catalog.labels.size()) ImGui::SameLine();
  }
  drawBalanceChart("Class balance per split", overview_.labelBySplit, catalog.labels);
  ImGui::Spacing();
  drawBalanceChart("Class balance per source", overview_.labelBySource, catalog.labels);
}

void WorkbenchApp::drawThumbnail(const review::CatalogItem& item, float side) {
  drawThumbnailAt(item, ImGui::GetCursorScreenPos(), side);
  ImGui::Dummy(ImVec2(side, side));
}

void WorkbenchApp::drawThumbnailAt(const review::CatalogItem& item, ImVec2 origin, float side) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 end(origin.x + side, origin.y + side);
  const TextureCache::Entry* entry = textures_.find(item.sampleId, frameIndex_);
  if (entry == nullptr) {
    loader_->request(item);
    draw->AddRectFilled(origin, end, IM_COL32(40, 40, 44, 255));
    draw->AddText(ImVec2(origin.x + 6, origin.y + side / 2 - 6), IM_COL32(120, 120, 120, 255), "loading");
  } else if (entry->texture == 0) {
    // Placeholder tile: the reason, wrapped inside the tile.
    draw->AddRectFilled(origin, end, IM_COL32(70, 24, 24, 255));
    draw->AddText(ImVec2(origin.x + 4, origin.y + 4), IM_COL32(255, 120, 120, 255), "cannot show");
    draw->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(origin.x + 4, origin.y + 20),
                  IM_COL32(230, 200, 200, 255), entry->error.c_str(), nullptr, side - 8);
  } else {
    const float scale = side / static_cast<float>(std::max(entry->width, entry->height));
    const float w = entry->width * scale, h = entry->height * scale;
    const ImVec2 a(origin.x + (side - w) / 2, origin.y + (side - h) / 2);
    draw->AddImage(textureId(entry->texture), a, ImVec2(a.x + w, a.y + h));
  }
}

void WorkbenchApp::drawGrid() {
  const auto& catalog = state_->catalog();
  const float side = static_cast<float>(options_.thumbnailSide);
  const float captionHeight = ImGui::GetTextLineHeight() * 2.0F;
  const float cellWidth = side + kTileSpacing;
  const float rowHeight = side + captionHeight + kTileSpacing;
  gridRowHeight_ = rowHeight;
  ImGui::BeginChild("grid", ImVec2(0, 0), false);
  const int columns = std::max(1, static_cast<int>((ImGui::GetContentRegionAvail().x + kTileSpacing) / cellWidth));
  state_->setColumns(columns);
  state_->setPageRows(std::max(1, static_cast<int>(ImGui::GetWindowHeight() / rowHeight)));
  const std::size_t count = state_->visible().size();
  const int rows = static_cast<int>((count + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));

  if (scriptScrollPixels_ != 0.0F) {
    float next = ImGui::GetScrollY() + scriptScrollPixels_;
    if (next > ImGui::GetScrollMaxY()) next = 0.0F;  // wrap, so a long scroll keeps moving
    ImGui::SetScrollY(next);
    scriptScrollPixels_ = 0.0F;
  } else if (scrollToCursor_ && count > 0) {
    const float rowTop = static_cast<float>(state_->cursor() / static_cast<std::size_t>(columns)) * rowHeight;
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
        state_->click(position, io.KeyCtrl, io.KeyShift);
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) session_->setImageOpen(true);
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
        const review::CatalogItem& item = state_->visibleItem(position);
        const ImVec2 tileOrigin(rowOrigin.x + static_cast<float>(column) * cellWidth, rowOrigin.y);
        const ImVec2 tileEnd(tileOrigin.x + side, tileOrigin.y + side + captionHeight);
        drawThumbnailAt(item, tileOrigin, side);
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
        if (state_->isSelected(item.sampleId)) {
          draw->AddRect(ImVec2(tileOrigin.x - 2, tileOrigin.y - 2), ImVec2(tileEnd.x + 2, tileEnd.y + 2),
                        IM_COL32(80, 150, 255, 255), 0, 0, 2.0F);
        }
        if (position == state_->cursor()) {
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

void WorkbenchApp::drawImageReview() {
  const auto id = state_->cursorSampleId();
  if (!id) {
    session_->setImageOpen(false);
    return;
  }
  const auto& catalog = state_->catalog();
  const review::CatalogItem& item = catalog.items[*catalog.itemIndex(*id)];
  if (reviewSampleId_ != *id) {
    reviewSampleId_ = *id;
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
    auto faces = review::listSampleFaces(*store_, *id);
    if (faces) reviewFaces_ = std::move(faces.value());
  }

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
