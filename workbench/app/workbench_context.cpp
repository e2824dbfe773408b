#include "workbench_context.hpp"

#include <algorithm>
#include <cstdio>

#include "panel_drawing.hpp"
#include "winnow/log/log.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/review/identity_clusters.hpp"
#include "winnow/review/thumbnail_cache.hpp"

namespace winnow::workbench {

std::optional<Panel> parsePanel(const std::string& name) {
  if (name == "overview") return Panel::Overview;
  if (name == "grid") return Panel::Grid;
  if (name == "duplicates") return Panel::Duplicates;
  if (name == "identities") return Panel::Identities;
  if (name == "suggestions") return Panel::Suggestions;
  if (name == "plugins") return Panel::Plugins;
  if (name == "training") return Panel::Training;
  return std::nullopt;
}

WorkbenchContext::WorkbenchContext()
    : host_([](plugin::HostServices services) {
        plugin::PluginHost host(std::move(services));
        host.discover(plugin::PluginHost::defaultSearchFolders());
        return host;
      }) {}

WorkbenchContext::~WorkbenchContext() = default;

Status WorkbenchContext::open(const std::filesystem::path& project, int thumbnailSide, int thumbnailThreads) {
  auto opened = store::ProjectStore::open(project);
  if (!opened) return opened.error();
  store_ = std::move(opened.value());
  auto catalog = review::loadReviewCatalog(*store_);
  if (!catalog) return catalog.error();
  state_ = std::make_unique<ReviewState>(std::move(catalog.value()));
  session_ = std::make_unique<ReviewSession>(*store_, *state_);
  loader_ = std::make_unique<ThumbnailLoader>(review::ThumbnailCache(store_->projectDir(), thumbnailSide), thumbnailThreads);
  auto extractors = review::listEmbeddingExtractors(*store_);
  if (extractors) extractors_ = std::move(extractors.value());
  return okStatus();
}

void WorkbenchContext::stopThumbnails() { loader_.reset(); }

Status WorkbenchContext::reloadCatalog() {
  auto catalog = review::loadReviewCatalog(*store_);
  if (!catalog) return catalog.error();
  state_->replaceCatalog(std::move(catalog.value()));
  return okStatus();
}

void WorkbenchContext::uploadFinishedThumbnails() {
  for (LoadedThumbnail& loaded : loader_->takeFinished()) {
    if (loaded.image) {
      textures_.putImage(loaded.sampleId, *loaded.image, frameIndex_);
    } else {
      // Logged once per load: the tile shows the same reason as a placeholder.
      log::write(log::Level::Warning, log::Origin::Host, "workbench",
                 "placeholder for sample " + std::to_string(loaded.sampleId) + ": " + loaded.error);
      textures_.putError(loaded.sampleId, loaded.error, frameIndex_);
    }
  }
}

void WorkbenchContext::drawThumbnail(const review::CatalogItem& item, float side) {
  drawThumbnailAt(item, ImGui::GetCursorScreenPos(), side);
  ImGui::Dummy(ImVec2(side, side));
}

void WorkbenchContext::drawThumbnailAt(const review::CatalogItem& item, ImVec2 origin, float side) {
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

void WorkbenchContext::setStatus(const std::string& line) {
  statusLine_ = line;
  log::write(log::Level::Info, log::Origin::Host, "workbench", line);
}

std::optional<Panel> WorkbenchContext::takePanelRequest() {
  std::optional<Panel> requested = requestedPanel_;
  requestedPanel_.reset();
  return requested;
}

}  // namespace winnow::workbench
