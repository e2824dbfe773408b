// What the workbench's panels share, owned by WorkbenchApp and passed to each panel by reference:
// the project store, the review state and session (the one undo stack), the thumbnail loader and
// the GL textures of its thumbnails, the plugin host that steps run with, the status line, and the
// counters through which one panel's change reaches another panel's view (no panel holds another).
// UI thread only (GL context current), except what ThumbnailLoader and StepHost document.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "texture_cache.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/workbench/review_session.hpp"
#include "winnow/workbench/review_state.hpp"
#include "winnow/workbench/thumbnail_loader.hpp"

namespace winnow::workbench {

enum class Panel { Invalid = 0, Overview, Grid, Duplicates, Identities, Suggestions, Plugins, Training };
// The script's panel names: overview, grid, duplicates, identities, suggestions, plugins, training.
std::optional<Panel> parsePanel(const std::string& name);

class WorkbenchContext {
 public:
  // The step host discovers the default plugin folders on first use.
  WorkbenchContext();
  ~WorkbenchContext();
  WorkbenchContext(const WorkbenchContext&) = delete;
  WorkbenchContext& operator=(const WorkbenchContext&) = delete;

  // Opens the store and its review catalogue, starts the thumbnail loader (thumbnails of
  // thumbnailSide pixels, thumbnailThreads workers) and lists the stored embedding extractors.
  // The accessors below need a successful open().
  Status open(const std::filesystem::path& project, int thumbnailSide, int thumbnailThreads);
  // Stops the thumbnail workers (first thing at shutdown; nothing is requested after).
  void stopThumbnails();

  store::ProjectStore& store() { return *store_; }
  ReviewState& state() { return *state_; }
  ReviewSession& session() { return *session_; }
  ThumbnailLoader& thumbnails() { return *loader_; }
  TextureCache& textures() { return textures_; }
  // Plugins from the default folders; their cancellation poll follows the running step's job.
  pipeline::StepHost& stepHost() { return host_; }
  // Extractors with stored vectors at open, most rows first (empty when none or unreadable).
  const std::vector<std::string>& embeddingExtractors() const { return extractors_; }

  // Re-reads the catalogue from the store (filter, sort and cursor sample kept).
  Status reloadCatalog();

  // The frame being drawn: textures remember when they were last drawn.
  std::int64_t frameIndex() const { return frameIndex_; }
  void advanceFrame() { ++frameIndex_; }
  // Uploads the thumbnails the loader finished as textures (a failed one as its reason).
  void uploadFinishedThumbnails();

  // A thumbnail (or its placeholder with the reason) in a side x side square at the layout cursor;
  // requests it from the loader when it has no texture yet.
  void drawThumbnail(const review::CatalogItem& item, float side);
  // The same without moving the layout cursor, at a screen position.
  void drawThumbnailAt(const review::CatalogItem& item, ImVec2 origin, float side);

  // The status bar's line (also printed to stderr); empty shows the session's last message.
  void setStatus(const std::string& line);
  void clearStatus() { statusLine_.clear(); }
  const std::string& statusLine() const { return statusLine_; }

  // A panel asks for another to be shown; the shell selects its tab from the next frame on.
  void requestPanel(Panel panel) { requestedPanel_ = panel; }
  std::optional<Panel> takePanelRequest();

  // Counters that only grow: a panel keeps the value it last saw and refreshes its view when the
  // counter has moved on.
  // A pipeline step finished (whatever it wrote to the store is there; the catalogue is reloaded).
  std::uint64_t stepsFinished() const { return stepsFinished_; }
  void noteStepFinished() { ++stepsFinished_; }
  // Identity groups were labelled in bulk: suggestions stored for those faces are out of date.
  std::uint64_t identityLabelsRevision() const { return identityLabelsRevision_; }
  void noteIdentityLabels() { ++identityLabelsRevision_; }

 private:
  std::unique_ptr<store::ProjectStore> store_;
  std::unique_ptr<ReviewState> state_;
  std::unique_ptr<ReviewSession> session_;
  std::unique_ptr<ThumbnailLoader> loader_;
  TextureCache textures_;
  pipeline::StepHost host_;
  std::vector<std::string> extractors_;
  std::int64_t frameIndex_ = 0;
  std::string statusLine_;
  std::optional<Panel> requestedPanel_;
  std::uint64_t stepsFinished_ = 0;
  std::uint64_t identityLabelsRevision_ = 0;
};

}  // namespace winnow::workbench
