// Window, frame loop, keyboard and script handling, screenshots. Panels are in *_panel.cpp.
#include "workbench_app.hpp"

#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "winnow/pipeline/step_registry.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/review/thumbnail_cache.hpp"
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

}  // namespace

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

WorkbenchApp::WorkbenchApp(WorkbenchOptions options)
    : options_(std::move(options)), host_([](plugin::HostServices services) {
        plugin::PluginHost host(std::move(services));
        host.discover(plugin::PluginHost::defaultSearchFolders());
        return host;
      }) {}

WorkbenchApp::~WorkbenchApp() {
  loader_.reset();
  if (window_ != nullptr) {
    textures_.clear();
    deleteTexture(reviewTexture_);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window_);
    glfwTerminate();
  }
}

void WorkbenchApp::setStatus(const std::string& line) {
  statusLine_ = line;
  std::fprintf(stderr, "workbench: %s\n", line.c_str());
}

void WorkbenchApp::onKey(int glfwKey, int glfwMods) {
  if (auto key = keyFromGlfw(glfwKey)) {
    pendingKeys_.push_back({*key, (glfwMods & GLFW_MOD_SHIFT) != 0, (glfwMods & GLFW_MOD_CONTROL) != 0});
  }
}

Status WorkbenchApp::openProject() {
  auto opened = store::ProjectStore::open(options_.project);
  if (!opened) return opened.error();
  store_ = std::move(opened.value());
  auto catalog = review::loadReviewCatalog(*store_);
  if (!catalog) return catalog.error();
  state_ = std::make_unique<ReviewState>(std::move(catalog.value()));
  session_ = std::make_unique<ReviewSession>(*store_, *state_);
  loader_ = std::make_unique<ThumbnailLoader>(review::ThumbnailCache(store_->projectDir(), options_.thumbnailSide),
                                              options_.thumbnailThreads);
  for (const pipeline::StepDefinition* step : pipeline::allSteps()) {
    if (step->name == "export") {
      for (const plugin::CapabilityDescriptor* exporter : host_.get().capabilities(plugin::CapabilityKind::Exporter)) {
        stepChoices_.push_back({"export", exporter->id, "export: " + exporter->id, exporter->paramsSchema});
      }
      continue;
    }
    const auto& schema = pipeline::stepSchema(*step);
    if (schema) stepChoices_.push_back({step->name, "", step->name, schema->schemaJson()});
  }
  trainingRuns_ = listTrainingRuns(store_->projectDir());
  if (options_.trainingRun) trainingRuns_.insert(trainingRuns_.begin(), *options_.trainingRun);
  if (!trainingRuns_.empty()) {
    auto loaded = loadTrainingRun(trainingRuns_.front());
    if (loaded) training_ = std::move(loaded.value());
  }
  auto extractors = review::listEmbeddingExtractors(*store_);
  if (extractors) extractors_ = std::move(extractors.value());
  reloadClusters();
  return okStatus();
}

Status WorkbenchApp::reloadCatalog() {
  auto catalog = review::loadReviewCatalog(*store_);
  if (!catalog) return catalog.error();
  state_->replaceCatalog(std::move(catalog.value()));
  return okStatus();
}

void WorkbenchApp::reloadClusters() {
  auto clusters = dedupe::listClusters(*store_);
  if (clusters) {
    clusters_ = std::move(clusters.value());
  } else {
    setStatus(clusters.error().message);
  }
  if (clusterShown_ >= clusters_.size()) clusterShown_ = 0;
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
    ++frameIndex_;
  }

  if (options_.frameStats) {
    nlohmann::json stats = {{"samples", state_->catalog().items.size()},
                            {"window", {options_.width, options_.height}},
                            {"all_frames", toJson(summariseFrames(frameMs_))},
                            {"scroll_frames", toJson(summariseFrames(scrollFrameMs_))},
                            {"thumbnails_pending_at_exit", loader_->pendingCount()}};
    if (Status written = writeFileAtomically(*options_.frameStats, stats.dump(2) + "\n"); !written) {
      std::fprintf(stderr, "winnow-workbench: %s\n", written.error().message.c_str());
      return 1;
    }
  }
  return exitCode_;
}

void WorkbenchApp::frame() {
  scriptBeforeFrame();
  for (LoadedThumbnail& loaded : loader_->takeFinished()) {
    if (loaded.image) {
      textures_.putImage(loaded.sampleId, *loaded.image, frameIndex_);
    } else {
      // Logged once per load: the tile shows the same reason as a placeholder.
      std::fprintf(stderr, "workbench: placeholder for sample %lld: %s\n", static_cast<long long>(loaded.sampleId),
                   loaded.error.c_str());
      textures_.putError(loaded.sampleId, loaded.error, frameIndex_);
    }
  }
  if (auto result = stepRunner_.takeResult()) {
    if (*result) {
      stepResult_ = (*result)->dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
      const bool cancelled = (*result)->is_object() && (*result)->value("cancelled", false);
      setStatus(cancelled ? "step cancelled; committed work is kept" : "step finished: ok");
    } else {
      stepResult_ = result->error().message;
      setStatus("step failed: " + result->error().message);
    }
    if (Status reloaded = reloadCatalog(); !reloaded) setStatus(reloaded.error().message);
    reloadClusters();
    textures_.clear();
  }
  pollRetrainer();

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
  if (ImGui::BeginTabBar("panels")) {
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
          case Panel::Overview: drawOverview(); break;
          case Panel::Grid: session_->imageOpen() ? drawImageReview() : drawGrid(); break;
          case Panel::Duplicates: drawDuplicates(); break;
          case Panel::Identities: drawIdentities(); break;
          case Panel::Suggestions: drawSuggestions(); break;
          case Panel::Plugins: drawPlugins(); break;
          case Panel::Training: drawTraining(); break;
          case Panel::Invalid: break;
        }
        ImGui::EndTabItem();
      }
    }
    panelChangeRequested_ = false;
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  drawStatusBar();
  ImGui::End();
  if (panel_ != shownPanel_) {
    shownPanel_ = panel_;
    if (panel_ == Panel::Suggestions) onSuggestionsOpened();
  }

  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  glViewport(0, 0, width, height);
  glClearColor(0.08F, 0.08F, 0.09F, 1.0F);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  scriptAfterRender();
  textures_.trim(frameIndex_);
}

void WorkbenchApp::drawStatusBar() {
  const auto& catalog = state_->catalog();
  ImGui::Text("%zu samples, %zu shown, %zu selected | thumbnails pending %zu | %s",
              catalog.items.size(), state_->visible().size(), state_->selectionSize(), loader_->pendingCount(),
              statusLine_.empty() ? session_->lastMessage().c_str() : statusLine_.c_str());
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
      if (auto suggestion = suggestionCommandForChord(chord)) {
        statusLine_.clear();
        handleSuggestionCommand(*suggestion);
      }
      continue;
    }
    if (panel_ == Panel::Identities && board_ && !chord.ctrl && !board_->groups().empty()) {
      // Identities: Up/Down pick a group, Enter accepts its nearest named class, Space shows all.
      const std::size_t count = board_->groups().size();
      bool used = true;
      if (chord.key == Key::Up || chord.key == Key::Left) {
        identityCursor_ = identityCursor_ > 0 ? identityCursor_ - 1 : 0;
      } else if (chord.key == Key::Down || chord.key == Key::Right) {
        identityCursor_ = std::min(count - 1, identityCursor_ + 1);
      } else if (chord.key == Key::Home) {
        identityCursor_ = 0;
      } else if (chord.key == Key::End) {
        identityCursor_ = count - 1;
      } else if (chord.key == Key::Enter) {
        statusLine_.clear();
        if (Status accepted = acceptIdentity(identityCursor_); !accepted) setStatus(accepted.error().message);
      } else if (chord.key == Key::Space) {
        if (identityCursor_ < groupShowAll_.size()) groupShowAll_[identityCursor_] = !groupShowAll_[identityCursor_];
      } else {
        used = false;
      }
      if (used) {
        identityScrollToCursor_ = true;
        continue;
      }
    }
    auto command = commandForChord(chord);
    if (!command) continue;
    // Review keys act on the grid; from another panel they bring the grid forward first.
    if (panel_ != Panel::Grid) {
      panel_ = Panel::Grid;
      panelChangeRequested_ = true;
    }
    statusLine_.clear();
    if (Status done = session_->execute(*command); !done) setStatus(done.error().message);
    if (command->kind == ReviewCommandKind::Move) scrollToCursor_ = true;
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
      if ((loader_->pendingCount() == 0 && scriptRemaining_ < step.count - 2) || --scriptRemaining_ <= 0) next();
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
        setStatus(where + "unknown panel '" + step.args[0] + "'");
        exitCode_ = 2;
        quit_ = true;
      }
      next();
      break;
    case ScriptVerb::Filter: {
      GridFilter filter = state_->filter();
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
      state_->setFilter(std::move(filter));
      next();
      break;
    }
    case ScriptVerb::Sort:
      state_->setSort({step.args[0] == "id" ? "" : step.args[0], step.args.size() == 2 && step.args[1] == "desc"});
      next();
      break;
    case ScriptVerb::Goto: {
      const std::int64_t id = std::stoll(step.args[0]);
      bool found = false;
      for (std::size_t p = 0; p < state_->visible().size(); ++p) {
        if (state_->visibleItem(p).sampleId == id) {
          state_->click(p, false, false);
          scrollToCursor_ = true;
          found = true;
          break;
        }
      }
      if (!found) {
        setStatus(where + "sample " + step.args[0] + " is not shown in the grid");
        exitCode_ = 2;
        quit_ = true;
      }
      next();
      break;
    }
    case ScriptVerb::Cluster: {
      const auto index = static_cast<std::size_t>(std::stoll(step.args[0]));
      if (index >= clusters_.size()) {
        setStatus(where + "no duplicate cluster " + step.args[0] + " (" + std::to_string(clusters_.size()) + " stored)");
        exitCode_ = 2;
        quit_ = true;
      } else {
        clusterShown_ = index;
      }
      next();
      break;
    }
    case ScriptVerb::Keeper:
    case ScriptVerb::NotDuplicate:
    case ScriptVerb::KeepAll: {
      Status done = makeError(ErrorCode::NotFound, "no duplicate cluster is shown");
      if (clusterShown_ < clusters_.size()) {
        const std::int64_t clusterId = clusters_[clusterShown_].id;
        done = step.verb == ScriptVerb::Keeper
                   ? dedupe::setKeeper(*store_, clusterId, std::stoll(step.args[0]), kWorkbenchActor)
               : step.verb == ScriptVerb::KeepAll
                   ? dedupe::keepAllLabelConflict(*store_, clusterId, kWorkbenchActor,
                                                  "label conflict in duplicate cluster " + std::to_string(clusterId) +
                                                      " reviewed: all members kept")
                   : dedupe::markNotDuplicate(*store_, std::stoll(step.args[0]), std::stoll(step.args[1]),
                                              kWorkbenchActor);
      }
      if (!done) {
        setStatus(where + done.error().message);
        exitCode_ = 2;
        quit_ = true;
      } else {
        reloadClusters();
        if (Status reloaded = reloadCatalog(); !reloaded) setStatus(reloaded.error().message);
      }
      next();
      break;
    }
    case ScriptVerb::Scroll:
      if (scriptRemaining_ < 0) scriptRemaining_ = step.count;
      scriptScrollPixels_ = static_cast<float>(std::stoll(step.args[0]));
      scrolling_ = true;  // this frame is drawn and timed as a scroll frame
      if (--scriptRemaining_ <= 0) next();
      break;
    case ScriptVerb::Suggest:
      if (scriptRemaining_ < 0) {
        scriptRemaining_ = step.count;
        scriptRetrainsBefore_ = retrainer_.completed();
        requestRetrain("script");
      }
      if (!retrainer_.busy() && (retrainer_.completed() > scriptRetrainsBefore_ || lastRetrainFailed_)) {
        if (lastRetrainFailed_) {
          setStatus(where + retrainMessage_);
          exitCode_ = 2;
          quit_ = true;
        }
        next();
      } else if (--scriptRemaining_ <= 0) {
        setStatus(where + "the suggestions were not retrained within " + std::to_string(step.count) + " frames");
        exitCode_ = 2;
        quit_ = true;
        next();
      }
      break;
    case ScriptVerb::AcceptSuggestion:
    case ScriptVerb::Correct:
    case ScriptVerb::AcceptAbove:
    case ScriptVerb::AcceptIdentity: {
      if (step.verb != ScriptVerb::AcceptIdentity && !suggestions_.loaded()) reloadSuggestions();
      if (step.verb == ScriptVerb::AcceptIdentity && !board_) groupIdentities();
      Status done = okStatus();
      if (step.verb == ScriptVerb::AcceptSuggestion) {
        done = acceptSuggestion(std::stoll(step.args[0]));
      } else if (step.verb == ScriptVerb::Correct) {
        const auto label = resolveClassName(step.args[1], state_->catalog().labels);
        done = label ? correctSuggestion(std::stoll(step.args[0]), *label)
                     : makeError(ErrorCode::InvalidArgument, "no class '" + step.args[1] + "' (or more than one completes it)");
      } else if (step.verb == ScriptVerb::AcceptAbove) {
        done = acceptSuggestionsAbove(step.value);
      } else {
        done = acceptIdentity(static_cast<std::size_t>(step.count - 1));
      }
      if (!done) {
        setStatus(where + done.error().message);
        exitCode_ = 2;
        quit_ = true;
      }
      next();
      break;
    }
    case ScriptVerb::TypeClass:
      classInput_ = step.args[0];
      focusClassInput_ = true;
      next();
      break;
    case ScriptVerb::ShowGroup:
      if (!board_) groupIdentities();
      if (board_ && static_cast<std::size_t>(step.count) <= board_->groups().size()) {
        groupShowAll_[static_cast<std::size_t>(step.count - 1)] = true;
        identityCursor_ = static_cast<std::size_t>(step.count - 1);
        identityScrollToCursor_ = true;
      } else {
        setStatus(where + "no identity group " + step.args[0]);
        exitCode_ = 2;
        quit_ = true;
      }
      next();
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
      setStatus("screenshot: " + saved.error().message);
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
  setStatus("screenshot " + file.string());
  return okStatus();
}

}  // namespace winnow::workbench
