// The workbench application: one GLFW window, Dear ImGui panels over core and the window-free
// review state. Owns the store, the review session, the thumbnail loader and the GL textures.
// UI thread only, except the thumbnail workers and the step runner (see their headers).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "texture_cache.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/dedupe/label_conflicts.hpp"
#include "winnow/pipeline/step_host.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/review/suggestions.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/workbench/identity_board.hpp"
#include "winnow/workbench/review_session.hpp"
#include "winnow/workbench/review_state.hpp"
#include "winnow/workbench/schema_form.hpp"
#include "winnow/workbench/step_runner.hpp"
#include "winnow/workbench/suggestion_board.hpp"
#include "winnow/workbench/suggestion_retrainer.hpp"
#include "winnow/workbench/thumbnail_loader.hpp"
#include "winnow/workbench/training_run.hpp"
#include "winnow/workbench/workbench_script.hpp"

struct GLFWwindow;

namespace winnow::workbench {

struct WorkbenchOptions {
  std::filesystem::path project;
  std::optional<std::filesystem::path> script;
  std::optional<std::filesystem::path> frameStats;  // JSON file written at exit
  std::optional<std::filesystem::path> trainingRun;
  int width = 1280;
  int height = 800;
  int thumbnailSide = 128;
  int thumbnailThreads = 2;
};

enum class Panel { Invalid = 0, Overview, Grid, Duplicates, Identities, Suggestions, Plugins, Training };
std::optional<Panel> parsePanel(const std::string& name);

class WorkbenchApp {
 public:
  explicit WorkbenchApp(WorkbenchOptions options);
  ~WorkbenchApp();
  WorkbenchApp(const WorkbenchApp&) = delete;
  WorkbenchApp& operator=(const WorkbenchApp&) = delete;

  // Opens the project and the window, runs until the window closes or the script ends.
  // Returns the process exit code (0 ok, 1 failure, 2 bad script).
  int run();

  // Called by the GLFW key callback.
  void onKey(int glfwKey, int glfwMods);

 private:
  Status openProject();
  Status reloadCatalog();
  void frame();
  void drawSidebar();
  void drawOverview();
  void drawGrid();
  void drawImageReview();
  void drawDuplicates();
  void drawIdentities();
  void drawSuggestions();  // suggestions_panel.cpp
  void drawPlugins();
  void drawTraining();
  void drawStatusBar();
  // A thumbnail (or its placeholder with the reason) in a side x side square at the layout cursor;
  // requests it from the loader when it has no texture yet.
  void drawThumbnail(const review::CatalogItem& item, float side);
  // The same without moving the layout cursor, at a screen position.
  void drawThumbnailAt(const review::CatalogItem& item, ImVec2 origin, float side);
  void handleKeys();
  // Script: runs at most one command per frame. before = start of frame, after = after render.
  void scriptBeforeFrame();
  void scriptAfterRender();
  Status takeScreenshot(const std::filesystem::path& file);
  void reloadClusters();
  void setStatus(const std::string& line);

  // Suggestions view (suggestions_panel.cpp). Each returns the store's refusal as an error.
  void onSuggestionsOpened();
  void reloadSuggestions();
  void requestRetrain(const std::string& why);
  void pollRetrainer();
  void handleSuggestionCommand(const SuggestionCommand& command);
  Status acceptSuggestion(std::int64_t sampleId);
  Status correctSuggestion(std::int64_t sampleId, const std::string& label);
  Status acceptSuggestionsAbove(double minConfidence);
  void afterSuggestionDecisions(std::size_t count);
  // Identities: group the unlabelled faces, nearest named class of each group, accept it.
  void groupIdentities();
  void refreshNearestNamed();
  Status acceptIdentity(std::size_t group);
  void resetGroupViews();

  WorkbenchOptions options_;
  GLFWwindow* window_ = nullptr;
  std::unique_ptr<store::ProjectStore> store_;
  std::unique_ptr<ReviewState> state_;
  std::unique_ptr<ReviewSession> session_;
  std::unique_ptr<ThumbnailLoader> loader_;
  TextureCache textures_;
  // Plugins from the default folders; their cancellation poll follows the running step's job.
  pipeline::StepHost host_;
  std::int64_t frameIndex_ = 0;
  bool quit_ = false;
  int exitCode_ = 0;
  std::string statusLine_;

  Panel panel_ = Panel::Grid;
  bool panelChangeRequested_ = true;
  std::deque<KeyChord> pendingKeys_;
  bool scrollToCursor_ = false;
  float scriptScrollPixels_ = 0.0F;
  float gridRowHeight_ = 0.0F;

  // Full image review (loaded on demand for the cursor's sample).
  std::int64_t reviewSampleId_ = 0;
  GLuintValue reviewTexture_ = 0;
  int reviewWidth_ = 0, reviewHeight_ = 0;
  double reviewScale_ = 1.0;  // texture pixels per original pixel
  std::string reviewError_;
  std::vector<review::SampleFace> reviewFaces_;

  // Overview counts, recomputed when the catalog revision changes.
  struct OverviewCounts {
    std::map<std::string, std::int64_t> byLabel, bySource, bySplit, byStatus;
    std::map<std::string, std::map<std::string, std::int64_t>> labelBySplit, labelBySource;
  };
  OverviewCounts overview_;
  std::optional<std::uint64_t> overviewRevision_;

  // Duplicates.
  std::vector<dedupe::DuplicateCluster> clusters_;
  std::size_t clusterShown_ = 0;
  bool conflictsOnly_ = false;  // Duplicates panel: list label-conflict clusters only

  // Identities.
  std::vector<std::string> extractors_;
  int extractorChoice_ = 0;
  float identityDistance_ = static_cast<float>(review::kDefaultIdentityDistance);  // core's measured default
  std::optional<IdentityBoard> board_;
  std::vector<std::string> groupNames_;
  std::vector<bool> groupChecked_;
  std::vector<bool> groupShowAll_;
  std::vector<std::optional<review::NearestNamedGroup>> groupNearest_;  // per group; refreshed after changes
  bool nearestStale_ = true;
  bool identityGroupingFailed_ = false;  // no automatic regrouping after a failure (the button retries)
  std::size_t identityCursor_ = 0;  // the group Enter accepts and Space opens
  bool identityScrollToCursor_ = false;

  // Suggestions.
  SuggestionBoard suggestions_;
  SuggestionRetrainer retrainer_;
  std::optional<RetrainSummary> lastRetrain_;
  std::string retrainMessage_;  // last retraining's outcome (or why it could not run)
  bool lastRetrainFailed_ = false;
  std::size_t scriptRetrainsBefore_ = 0;
  float acceptAboveConfidence_ = 0.9F;
  std::string classInput_;  // the class-name box
  bool focusClassInput_ = false;
  bool classCaretToEnd_ = false;  // the box was opened by typing: caret after the typed text once
  bool suggestionScrollToCursor_ = false;
  Panel shownPanel_ = Panel::Invalid;  // the panel drawn last frame (to notice a reopened view)

  // Plugins: step runner and its form. Every registered step is offered; export once per
  // exporter capability, with the exporter's schema as its form.
  struct StepChoice {
    std::string step;
    std::string capability;  // export: the exporter
    std::string title;
    nlohmann::json schema;
  };
  std::vector<StepChoice> stepChoices_;
  int stepChoice_ = -1;
  SchemaForm form_;
  std::string exportOutput_ = "export-out";
  StepRunner stepRunner_;
  std::string stepResult_;

  // Training.
  std::vector<std::filesystem::path> trainingRuns_;
  int trainingChoice_ = 0;
  std::optional<TrainingRun> training_;

  // Script and frame statistics.
  std::vector<ScriptStep> script_;
  std::size_t scriptIndex_ = 0;
  std::int64_t scriptRemaining_ = -1;  // frames left of the current multi-frame step; -1 = not started
  std::optional<std::filesystem::path> pendingScreenshot_;
  std::vector<double> frameMs_;
  std::vector<double> scrollFrameMs_;
  bool scrolling_ = false;
};

}  // namespace winnow::workbench
