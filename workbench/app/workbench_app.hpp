// The workbench application: one GLFW window with a sidebar, seven panels (one class each, over a
// shared WorkbenchContext) and a status bar. The shell owns the frame loop, panel switching, the
// keyboard dispatch to the panel shown, the --script runner (commands that address a panel are
// forwarded to it), screenshots and frame statistics.
// UI thread only, except the thumbnail workers and the step runner (see their headers).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/workbench_script.hpp"
#include "workbench_context.hpp"

struct GLFWwindow;

namespace winnow::workbench {

class OverviewPanel;
class GridPanel;
class DuplicatesPanel;
class IdentitiesPanel;
class SuggestionsPanel;
class PluginsPanel;
class TrainingPanel;

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
  // Opens the context and builds the panels over it.
  Status openProject();
  void frame();
  void drawPanels();
  void drawSidebar();
  void drawStatusBar();
  void handleKeys();
  // Script: runs at most one command per frame. before = start of frame, after = after render.
  void scriptBeforeFrame();
  void scriptAfterRender();
  Status takeScreenshot(const std::filesystem::path& file);

  WorkbenchOptions options_;
  GLFWwindow* window_ = nullptr;
  WorkbenchContext context_;
  std::unique_ptr<OverviewPanel> overview_;
  std::unique_ptr<GridPanel> grid_;
  std::unique_ptr<DuplicatesPanel> duplicates_;
  std::unique_ptr<IdentitiesPanel> identities_;
  std::unique_ptr<SuggestionsPanel> suggestions_;
  std::unique_ptr<PluginsPanel> plugins_;
  std::unique_ptr<TrainingPanel> training_;
  bool quit_ = false;
  int exitCode_ = 0;

  Panel panel_ = Panel::Grid;
  bool panelChangeRequested_ = true;
  Panel shownPanel_ = Panel::Invalid;  // the panel drawn last frame (to notice a reopened view)
  std::deque<KeyChord> pendingKeys_;

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
