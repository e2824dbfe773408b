// Window, frame loop, sidebar and status bar, panel switching, keyboard dispatch, the script
// runner, screenshots. The panels are in *_panel.cpp, what they share in workbench_context.cpp.
#include "workbench_app.hpp"

#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "duplicates_panel.hpp"
#include "grid_panel.hpp"
#include "identities_panel.hpp"
#include "overview_panel.hpp"
#include "panel_drawing.hpp"
#include "plugins_panel.hpp"
#include "suggestions_panel.hpp"
#include "training_panel.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/util/atomic_file.hpp"
#include "winnow/workbench/frame_stats.hpp"

namespace winnow::workbench {

namespace fs = std::filesystem;

namespace {

std::optional<Key> keyFromGlfw(int key) {
  switch (key) {
    case GLFW_KEY_LEFT: return Key::Left;
    case GLFW_KEY_RIGHT: return Key::Right;
    case GLFW_KEY_UP: return Key::Up;
    case GLFW_KEY_DOWN: return Key::Down;
    case GLFW_KEY_PAGE_UP: return Key::PageUp;
    case GLFW_KEY_PAGE_DOWN: return Key::PageDown;
    case GLFW_KEY_HOME: return Key::Home;
    case GLFW_KEY_END: return Key::End;
    case GLFW_KEY_R: return Key::R;
    case GLFW_KEY_DELETE: return Key::Delete;
    case GLFW_KEY_ENTER: case GLFW_KEY_KP_ENTER: return Key::Enter;
    case GLFW_KEY_F: return Key::F;
    case GLFW_KEY_SPACE: return Key::Space;
    case GLFW_KEY_A: return Key::A;
    case GLFW_KEY_ESCAPE: return Key::Escape;
    case GLFW_KEY_Z: return Key::Z;
    case GLFW_KEY_Y: return Key::Y;
    case GLFW_KEY_TAB: return Key::Tab;
    default: break;
  }
  if (key >= GLFW_KEY_1 && key <= GLFW_KEY_9) return static_cast<Key>(static_cast<int>(Key::Digit1) + (key - GLFW_KEY_1));
  if (key >= GLFW_KEY_KP_1 && key <= GLFW_KEY_KP_9) {
    return static_cast<Key>(static_cast<int>(Key::Digit1) + (key - GLFW_KEY_KP_1));
  }
  return std::nullopt;
}

void keyCallback(GLFWwindow* window, int key, int /*scancode*/, int action, int mods) {
  if (action == GLFW_RELEASE) return;
  if (auto* app = static_cast<WorkbenchApp*>(glfwGetWindowUserPointer(window))) app->onKey(key, mods);
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

}  // namespace

WorkbenchApp::WorkbenchApp(WorkbenchOptions options) : options_(std::move(options)) {}

WorkbenchApp::~WorkbenchApp() {
  context_.stopThumbnails();
  if (window_ != nullptr) {
    context_.textures().clear();
    grid_.reset();  // its review texture, while the GL context lives
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window_);
    glfwTerminate();
  }
}

void WorkbenchApp::onKey(int glfwKey, int glfwMods) {
  if (auto key = keyFromGlfw(glfwKey)) {
    pendingKeys_.push_back({*key, (glfwMods & GLFW_MOD_SHIFT) != 0, (glfwMods & GLFW_MOD_CONTROL) != 0});
  }
}

Status WorkbenchApp::openProject() {
  if (Status opened = context_.open(options_.project, options_.thumbnailSide, options_.thumbnailThreads); !opened) {
    return opened;
  }
  overview_ = std::make_unique<OverviewPanel>(context_);
  grid_ = std::make_unique<GridPanel>(context_, options_.thumbnailSide);
  plugins_ = std::make_unique<PluginsPanel>(context_);
  training_ = std::make_unique<TrainingPanel>(context_, options_.trainingRun);
  identities_ = std::make_unique<IdentitiesPanel>(context_);
  suggestions_ = std::make_unique<SuggestionsPanel>(context_);
  duplicates_ = std::make_unique<DuplicatesPanel>(context_);
  return okStatus();
}

int WorkbenchApp::run() {
  if (options_.script) {
    auto script = readScript(*options_.script);
    if (!script) {
      std::fprintf(stderr, "winnow-workbench: %s\n", script.error().message.c_str());
      return 2;
    }
    script_ = std::move(script.value());
  }
  if (Status opened = openProject(); !opened) {
    std::fprintf(stderr, "winnow-workbench: %s\n", opened.error().message.c_str());
    return 1;
  }
  if (!glfwInit()) {
    std::fprintf(stderr, "winnow-workbench: cannot initialise GLFW (no display?)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  const std::string title = "winnow workbench - " + options_.project.string();
  window_ = glfwCreateWindow(options_.width, options_.height, title.c_str(), nullptr, nullptr);
  if (window_ == nullptr) {
    std::fprintf(stderr, "winnow-workbench: cannot open an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window_);
  // Frame times are measured unthrottled; with a script there is nobody to wait for.
  glfwSwapInterval(script_.empty() ? 1 : 0);
  glfwSetWindowUserPointer(window_, this);
  // Installed before ImGui's backend, which chains to it.
  glfwSetKeyCallback(window_, keyCallback);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // layout is fixed; no imgui.ini beside the user's files
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330");

  while (!quit_ && !glfwWindowShouldClose(window_)) {
    const auto start = std::chrono::steady_clock::now();
    glfwPollEvents();
    frame();
    glfwSwapBuffers(window_);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    frameMs_.push_back(ms);
    if (scrolling_) scrollFrameMs_.push_back(ms);
    context_.advanceFrame();
  }

  if (options_.frameStats) {
    nlohmann::json stats = {{"samples", context_.state().catalog().items.size()},
                            {"window", {options_.width, options_.height}},
                            {"all_frames", toJson(summariseFrames(frameMs_))},
                            {"scroll_frames", toJson(summariseFrames(scrollFrameMs_))},
                            {"thumbnails_pending_at_exit", context_.thumbnails().pendingCount()}};
    if (Status written = writeFileAtomically(*options_.frameStats, stats.dump(2) + "\n"); !written) {
      std::fprintf(stderr, "winnow-workbench: %s\n", written.error().message.c_str());
      return 1;
    }
  }
  return exitCode_;
}

void WorkbenchApp::frame() {
  scriptBeforeFrame();
  context_.uploadFinishedThumbnails();
  // A finished step first: the duplicates follow what it wrote in the same frame.
  plugins_->takeFinishedStep();
  duplicates_->followFinishedSteps();
  suggestions_->takeFinishedRetraining();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  handleKeys();

  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::Begin("winnow", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const float statusHeight = ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("sidebar", ImVec2(250, -statusHeight), true);
  drawSidebar();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, -statusHeight), false);
  drawPanels();
  ImGui::EndChild();
  drawStatusBar();
  ImGui::End();
  if (panel_ != shownPanel_) {
    shownPanel_ = panel_;
    if (panel_ == Panel::Suggestions) suggestions_->onOpened();
  }

  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  glViewport(0, 0, width, height);
  glClearColor(0.08F, 0.08F, 0.09F, 1.0F);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  scriptAfterRender();
  context_.textures().trim(context_.frameIndex());
}

void WorkbenchApp::drawPanels() {
  if (!ImGui::BeginTabBar("panels")) return;
  const std::pair<Panel, const char*> tabs[] = {{Panel::Overview, "Overview"},       {Panel::Grid, "Grid"},
                                                {Panel::Duplicates, "Duplicates"},   {Panel::Identities, "Identities"},
                                                {Panel::Suggestions, "Suggestions"}, {Panel::Plugins, "Plugins"},
                                                {Panel::Training, "Training"}};
  for (const auto& [panel, name] : tabs) {
    const ImGuiTabItemFlags flags =
        panelChangeRequested_ && panel_ == panel ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
    if (ImGui::BeginTabItem(name, nullptr, flags)) {
      if (!panelChangeRequested_) panel_ = panel;
      switch (panel) {
        case Panel::Overview: overview_->draw(); break;
        case Panel::Grid: grid_->draw(); break;
        case Panel::Duplicates: duplicates_->draw(); break;
        case Panel::Identities: identities_->draw(); break;
        case Panel::Suggestions: suggestions_->draw(); break;
        case Panel::Plugins: plugins_->draw(); break;
        case Panel::Training: training_->draw(); break;
        case Panel::Invalid: break;
      }
      ImGui::EndTabItem();
    }
  }
  panelChangeRequested_ = false;
  ImGui::EndTabBar();
  // A panel's request is taken after the tabs were drawn, so that next frame selects its tab.
  if (auto requested = context_.takePanelRequest()) {
    panel_ = *requested;
    panelChangeRequested_ = true;
  }
}

void WorkbenchApp::drawSidebar() {
  ReviewState& state = context_.state();
  const auto& catalog = state.catalog();
  ImGui::TextUnformatted("Filter");
  GridFilter filter = state.filter();
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
  if (changed) state.setFilter(std::move(filter));

  ImGui::Separator();
  ImGui::TextUnformatted("Sort by");
  GridSort sort = state.sort();
  std::optional<std::string> measure = sort.measure.empty() ? std::optional<std::string>("sample id") : sort.measure;
  std::vector<std::string> measures = {"sample id"};
  measures.insert(measures.end(), catalog.measureNames.begin(), catalog.measureNames.end());
  bool sortChanged = filterCombo("##sort", measure, measures);
  sortChanged |= ImGui::Checkbox("descending", &sort.descending);
  if (sortChanged) {
    sort.measure = !measure || *measure == "sample id" ? "" : *measure;
    state.setSort(sort);
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

void WorkbenchApp::drawStatusBar() {
  const ReviewState& state = context_.state();
  ImGui::Text("%zu samples, %zu shown, %zu selected | thumbnails pending %zu | %s",
              state.catalog().items.size(), state.visible().size(), state.selectionSize(),
              context_.thumbnails().pendingCount(),
              context_.statusLine().empty() ? context_.session().lastMessage().c_str() : context_.statusLine().c_str());
}

void WorkbenchApp::handleKeys() {
  if (ImGui::GetIO().WantTextInput) {
    pendingKeys_.clear();
    return;
  }
  while (!pendingKeys_.empty()) {
    const KeyChord chord = pendingKeys_.front();
    pendingKeys_.pop_front();
    if (panel_ == Panel::Suggestions) {
      suggestions_->handleKey(chord);
      continue;
    }
    if (panel_ == Panel::Identities && identities_->handleKey(chord)) continue;
    auto command = commandForChord(chord);
    if (!command) continue;
    // Review keys act on the grid; from another panel they bring the grid forward first.
    if (panel_ != Panel::Grid) {
      panel_ = Panel::Grid;
      panelChangeRequested_ = true;
    }
    grid_->execute(*command);
  }
}

void WorkbenchApp::scriptBeforeFrame() {
  scrolling_ = false;
  if (scriptIndex_ >= script_.size()) {
    if (!script_.empty()) quit_ = true;
    return;
  }
  const ScriptStep& step = script_[scriptIndex_];
  auto next = [this] {
    ++scriptIndex_;
    scriptRemaining_ = -1;
  };
  const std::string where = "script line " + std::to_string(step.lineNumber) + ": ";
  auto fail = [&](const std::string& message) {
    context_.setStatus(where + message);
    exitCode_ = 2;
    quit_ = true;
  };
  // A one-frame command of a panel: a refusal ends the script with exit code 2.
  auto forward = [&](const Status& done) {
    if (!done) fail(done.error().message);
    next();
  };
  ReviewState& state = context_.state();
  switch (step.verb) {
    case ScriptVerb::Key:
      for (std::int64_t i = 0; i < step.count; ++i) pendingKeys_.push_back(step.chord);
      next();
      break;
    case ScriptVerb::Frames:
      if (scriptRemaining_ < 0) scriptRemaining_ = step.count;
      if (--scriptRemaining_ <= 0) next();
      break;
    case ScriptVerb::WaitThumbnails:
      if (scriptRemaining_ < 0) scriptRemaining_ = step.count;
      // Two frames of grace: requests are made while drawing, results uploaded the next frame.
      if ((context_.thumbnails().pendingCount() == 0 && scriptRemaining_ < step.count - 2) || --scriptRemaining_ <= 0) {
        next();
      }
      break;
    case ScriptVerb::Screenshot:
      pendingScreenshot_ = step.args[0];
      next();
      break;
    case ScriptVerb::View:
      if (auto panel = parsePanel(step.args[0])) {
        panel_ = *panel;
        panelChangeRequested_ = true;
      } else {
        fail("unknown panel '" + step.args[0] + "'");
      }
      next();
      break;
    case ScriptVerb::Filter: {
      GridFilter filter = state.filter();
      if (step.args[0] == "clear") {
        filter = GridFilter{};
      } else {
        const std::optional<std::string> value =
            step.args[1] == "-" ? std::nullopt : std::optional<std::string>(step.args[1]);
        if (step.args[0] == "class") filter.label = value;
        if (step.args[0] == "source") filter.source = value;
        if (step.args[0] == "split") filter.split = value;
        if (step.args[0] == "status") filter.status = value;
        if (step.args[0] == "flag") filter.flag = value;
      }
      state.setFilter(std::move(filter));
      next();
      break;
    }
    case ScriptVerb::Sort:
      state.setSort({step.args[0] == "id" ? "" : step.args[0], step.args.size() == 2 && step.args[1] == "desc"});
      next();
      break;
    case ScriptVerb::Goto:
      forward(grid_->runScriptCommand(step));
      break;
    case ScriptVerb::Scroll:
      if (scriptRemaining_ < 0) scriptRemaining_ = step.count;
      if (Status scrolled = grid_->runScriptCommand(step); !scrolled) fail(scrolled.error().message);
      scrolling_ = true;  // this frame is drawn and timed as a scroll frame
      if (--scriptRemaining_ <= 0) next();
      break;
    case ScriptVerb::Cluster:
    case ScriptVerb::Keeper:
    case ScriptVerb::NotDuplicate:
    case ScriptVerb::KeepAll:
      forward(duplicates_->runScriptCommand(step));
      break;
    case ScriptVerb::Suggest:
      if (scriptRemaining_ < 0) {
        scriptRemaining_ = step.count;
        suggestions_->beginScriptRetrain();
      }
      if (auto outcome = suggestions_->scriptRetrainOutcome()) {
        forward(*outcome);
      } else if (--scriptRemaining_ <= 0) {
        fail("the suggestions were not retrained within " + std::to_string(step.count) + " frames");
        next();
      }
      break;
    case ScriptVerb::AcceptSuggestion:
    case ScriptVerb::Correct:
    case ScriptVerb::AcceptAbove:
    case ScriptVerb::TypeClass:
      forward(suggestions_->runScriptCommand(step));
      break;
    case ScriptVerb::AcceptIdentity:
    case ScriptVerb::ShowGroup:
      forward(identities_->runScriptCommand(step));
      break;
    case ScriptVerb::RunStep:
      if (scriptRemaining_ < 0) {
        scriptRemaining_ = step.count;
        if (Status started = plugins_->startScriptStep(step.args[0]); !started) {
          fail(started.error().message);
          next();
          break;
        }
      }
      if (!plugins_->stepRunning()) {
        next();  // the result was taken this frame: status line and panel show it
      } else if (--scriptRemaining_ <= 0) {
        fail("the step did not finish within " + std::to_string(step.count) + " frames");
        next();
      }
      break;
    case ScriptVerb::Quit:
      quit_ = true;
      next();
      break;
    case ScriptVerb::Invalid:
      next();
      break;
  }
}

void WorkbenchApp::scriptAfterRender() {
  if (pendingScreenshot_) {
    if (Status saved = takeScreenshot(*pendingScreenshot_); !saved) {
      context_.setStatus("screenshot: " + saved.error().message);
      exitCode_ = 1;
    }
    pendingScreenshot_.reset();
  }
}

Status WorkbenchApp::takeScreenshot(const fs::path& file) {
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  Image image;
  image.width = width;
  image.height = height;
  image.format = PixelFormat::Rgb8;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, image.pixels.data());
  // GL rows go bottom-up.
  const std::size_t stride = image.strideBytes();
  for (int y = 0; y < height / 2; ++y) {
    std::swap_ranges(image.pixels.begin() + static_cast<std::ptrdiff_t>(y * stride),
                     image.pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * stride),
                     image.pixels.begin() + static_cast<std::ptrdiff_t>((height - 1 - y) * stride));
  }
  auto png = image::encodePng(image);
  if (!png) return png.error();
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  if (Status written = writeFileAtomically(file, *png); !written) return written.error();
  context_.setStatus("screenshot " + file.string());
  return okStatus();
}

}  // namespace winnow::workbench
