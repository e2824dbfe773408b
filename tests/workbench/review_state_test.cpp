// Review logic without a window: key mapping, scripts, selection, filters, sorting, undo/redo
// through a real project store, thumbnails (incl. placeholders for missing/corrupt files),
// schema forms, training-run files, identity clustering and frame statistics.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "support/temp_dir.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/review/decision_batch.hpp"
#include "winnow/review/identity_clusters.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/review/suggestions.hpp"
#include "winnow/review/thumbnail_cache.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/atomic_file.hpp"
#include "winnow/workbench/frame_stats.hpp"
#include "winnow/workbench/identity_board.hpp"
#include "winnow/workbench/key_mapping.hpp"
#include "winnow/workbench/review_session.hpp"
#include "winnow/workbench/review_state.hpp"
#include "winnow/workbench/schema_form.hpp"
#include "winnow/workbench/suggestion_board.hpp"
#include "winnow/workbench/suggestion_retrainer.hpp"
#include "winnow/workbench/thumbnail_loader.hpp"
#include "winnow/workbench/training_run.hpp"
#include "winnow/workbench/workbench_script.hpp"

namespace winnow::workbench {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// A catalog of n items without a store: labels alternate a/b, sources s0/s1, measure "blur" = id*10
// for ids not divisible by 4 (those lack it), flag "dark" on odd ids.
review::ReviewCatalog syntheticCatalog(int n) {
  review::ReviewCatalog catalog;
  catalog.labels = {"a", "b"};
  catalog.sources = {"s0", "s1"};
  catalog.flagNames = {"dark"};
  catalog.measureNames = {"blur"};
  for (int i = 1; i <= n; ++i) {
    review::CatalogItem item;
    item.sampleId = i;
    item.label = i % 2 == 0 ? "b" : "a";
    item.source = i <= n / 2 ? "s0" : "s1";
    item.status = store::kStatusActive;
    if (i % 2 == 1) item.flags = {0};
    catalog.items.push_back(item);
    catalog.measureValues.push_back(i % 4 == 0 ? NAN : static_cast<float>(i * 10));
  }
  return catalog;
}

std::vector<std::int64_t> visibleIds(const ReviewState& state) {
  std::vector<std::int64_t> ids;
  for (std::size_t p = 0; p < state.visible().size(); ++p) ids.push_back(state.visibleItem(p).sampleId);
  return ids;
}

TEST(KeyMapping, ParsesChordsAndMapsThemToCommands) {
  auto chord = parseKeyChord("ctrl+shift+z");
  ASSERT_TRUE(chord);
  EXPECT_EQ(chord->key, Key::Z);
  EXPECT_TRUE(chord->ctrl);
  EXPECT_TRUE(chord->shift);
  EXPECT_EQ(commandForChord(*chord)->kind, ReviewCommandKind::Redo);
  EXPECT_EQ(commandForChord(*parseKeyChord("ctrl+Z"))->kind, ReviewCommandKind::Undo);
  EXPECT_EQ(commandForChord(*parseKeyChord("ctrl+y"))->kind, ReviewCommandKind::Redo);
  EXPECT_FALSE(commandForChord(*parseKeyChord("Z")));  // plain Z means nothing
  auto three = commandForChord(*parseKeyChord("3"));
  EXPECT_EQ(three->kind, ReviewCommandKind::AssignClass);
  EXPECT_EQ(three->classIndex, 2);
  auto extend = commandForChord(*parseKeyChord("shift+Down"));
  EXPECT_EQ(extend->kind, ReviewCommandKind::Move);
  EXPECT_EQ(extend->motion, Motion::NextRow);
  EXPECT_TRUE(extend->extendSelection);
  EXPECT_EQ(commandForChord(*parseKeyChord("R"))->kind, ReviewCommandKind::ToggleReject);
  EXPECT_EQ(commandForChord(*parseKeyChord("Delete"))->kind, ReviewCommandKind::ToggleReject);
  EXPECT_EQ(commandForChord(*parseKeyChord("Enter"))->kind, ReviewCommandKind::ToggleImage);
  EXPECT_EQ(commandForChord(*parseKeyChord("ctrl+A"))->kind, ReviewCommandKind::SelectAll);
  EXPECT_FALSE(commandForChord(*parseKeyChord("A")));
  EXPECT_FALSE(parseKeyChord("Hyper+Q"));
  EXPECT_FALSE(parseKeyChord("0"));
  EXPECT_EQ(keyName(Key::PageDown), "PageDown");
}

TEST(WorkbenchScript, ParsesCommandsAndNamesTheBadLine) {
  auto script = parseScript("# comment\nkey shift+Right 3\nframes 5\nscreenshot out/a.png\n\nsort blur desc\nquit\n", "s");
  ASSERT_TRUE(script) << script.error().message;
  ASSERT_EQ(script->size(), 5U);
  EXPECT_EQ((*script)[0].verb, ScriptVerb::Key);
  EXPECT_EQ((*script)[0].count, 3);
  EXPECT_TRUE((*script)[0].chord.shift);
  EXPECT_EQ((*script)[0].lineNumber, 2);
  EXPECT_EQ((*script)[1].count, 5);
  EXPECT_EQ((*script)[2].args[0], "out/a.png");
  auto bad = parseScript("frames 2\nkey Hyper\n", "s.txt");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "s.txt: line 2: unknown key 'Hyper'");
  EXPECT_FALSE(parseScript("frames zero\n", "s"));
  EXPECT_FALSE(parseScript("jump 3\n", "s"));
  EXPECT_FALSE(parseScript("filter colour red\n", "s"));
  EXPECT_FALSE(parseScript("sort blur sideways\n", "s"));
}

TEST(ReviewState, FiltersByEveryFieldAndByIds) {
  ReviewState state(syntheticCatalog(8));
  EXPECT_EQ(state.visible().size(), 8U);
  state.setFilter({std::string("b"), {}, {}, {}, {}, {}, ""});
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{2, 4, 6, 8}));
  GridFilter filter;
  filter.source = "s1";
  filter.flag = "dark";
  state.setFilter(filter);
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{5, 7}));
  filter = GridFilter{};
  filter.sampleIds = std::vector<std::int64_t>{3, 6};
  state.setFilter(filter);
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{3, 6}));
  filter = GridFilter{};
  filter.label = kUnlabelledFilter;
  state.setFilter(filter);
  EXPECT_TRUE(state.visible().empty());
  EXPECT_TRUE(state.targetSampleIds().empty());
  state.setItemField(3, "label", std::nullopt);
  state.refresh();
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{3}));
}

TEST(ReviewState, SortsByMeasureWithMissingValuesLast) {
  ReviewState state(syntheticCatalog(8));
  state.setSort({"blur", true});
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{7, 6, 5, 3, 2, 1, 4, 8}));
  state.setSort({"blur", false});
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{1, 2, 3, 5, 6, 7, 4, 8}));
  state.setSort({"", true});
  EXPECT_EQ(visibleIds(state), (std::vector<std::int64_t>{8, 7, 6, 5, 4, 3, 2, 1}));
}

TEST(ReviewState, ArrowsRowsPagesAndShiftCtrlSelection) {
  ReviewState state(syntheticCatalog(20));
  state.setColumns(4);
  state.setPageRows(2);
  EXPECT_EQ(state.cursorSampleId(), 1);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{1}));  // nothing selected: the cursor
  state.move(Motion::NextItem, false);
  state.move(Motion::NextRow, false);
  EXPECT_EQ(state.cursorSampleId(), 6);
  EXPECT_EQ(state.selectionSize(), 1U);
  state.move(Motion::PreviousRow, false);
  state.move(Motion::PreviousRow, false);  // off the top: stays
  EXPECT_EQ(state.cursorSampleId(), 2);
  state.move(Motion::NextPage, false);
  EXPECT_EQ(state.cursorSampleId(), 10);
  state.move(Motion::Last, false);
  EXPECT_EQ(state.cursorSampleId(), 20);
  state.move(Motion::NextItem, false);  // clamps
  EXPECT_EQ(state.cursorSampleId(), 20);
  state.move(Motion::First, false);

  // shift extends a range from the anchor; moving back shrinks it.
  state.move(Motion::NextItem, true);
  state.move(Motion::NextItem, true);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{1, 2, 3}));
  state.move(Motion::PreviousItem, true);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{1, 2}));

  // click, ctrl+click toggles, shift+click range from the anchor, ctrl+shift adds a range.
  state.click(9, false, false);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{10}));
  state.click(12, true, false);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{10, 13}));
  state.click(12, true, false);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{10}));
  state.click(12, true, false);
  state.click(14, false, true);  // anchor is 13 (position 12)
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{13, 14, 15}));
  state.click(1, false, false);
  state.click(3, true, true);
  state.click(5, false, false);
  state.click(7, true, true);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{6, 7, 8}));
  state.click(0, true, false);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{1, 6, 7, 8}));

  // Selection survives filtering (hidden items are not targets) and sorting.
  GridFilter onlyB;
  onlyB.label = "b";
  state.setFilter(onlyB);
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{6, 8}));
  state.setFilter({});
  state.setSort({"", true});
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{1, 6, 7, 8}));
  state.selectAll();
  EXPECT_EQ(state.targetSampleIds().size(), 20U);
  state.clearSelection();
  EXPECT_EQ(state.targetSampleIds().size(), 1U);
  state.toggleSelectAtCursor();
  EXPECT_TRUE(state.isSelected(*state.cursorSampleId()));
}

// A project with n samples "img<i>.png" (4x4 PNG files of grey level i) in a temp folder.
struct SmallProject {
  TempDir dir{"winnow-workbench"};
  std::unique_ptr<store::ProjectStore> store;
  std::vector<std::int64_t> ids;

  explicit SmallProject(int n) {
    auto created = store::ProjectStore::create(dir / "project");
    EXPECT_TRUE(created);
    store = std::move(created.value());
    auto source = store->upsertSource("src", dir.path().string(), "class_folders");
    EXPECT_TRUE(source);
    for (int i = 0; i < n; ++i) {
      Image image;
      image.width = 40 + i;
      image.height = 30;
      image.format = PixelFormat::Rgb8;
      image.pixels.assign(static_cast<std::size_t>(image.width) * 30 * 3, static_cast<std::uint8_t>(20 * i));
      const fs::path file = dir / ("img" + std::to_string(i) + ".png");
      auto png = image::encodePng(image);
      EXPECT_TRUE(png && writeFileAtomically(file, *png));
      store::SampleRecord sample;
      sample.contentHash = "xxh128:" + std::string(31, '0') + std::to_string(i % 10) + std::to_string(i);
      sample.sourceId = *source;
      sample.originalPath = file.string();
      sample.byteSize = static_cast<std::int64_t>(png->size());
      sample.width = image.width;
      sample.height = 30;
      sample.channels = 3;
      sample.format = "png";
      sample.originalLabel = i % 2 == 0 ? "cat" : "dog";
      sample.label = sample.originalLabel;
      auto id = store->insertSample(sample);
      EXPECT_TRUE(id);
      ids.push_back(*id);
    }
  }
};

std::optional<std::string> storedLabel(store::ProjectStore& store, std::int64_t id) { return store.getSample(id)->label; }
std::string storedStatus(store::ProjectStore& store, std::int64_t id) { return store.getSample(id)->status; }

TEST(ReviewSession, KeysWriteDecisionsAtOnceAndUndoRedoExactly) {
  SmallProject project(6);
  auto catalog = review::loadReviewCatalog(*project.store);
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(catalog->labels, (std::vector<std::string>{"cat", "dog"}));
  ReviewState state(std::move(catalog.value()));
  state.setColumns(3);
  ReviewSession session(*project.store, state);
  const auto& ids = project.ids;

  // "2" on the cursor (sample 1, a cat) assigns class 2 (dog) and moves on to the next sample.
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("2"))));
  EXPECT_EQ(storedLabel(*project.store, ids[0]), "dog");
  EXPECT_EQ(state.cursorSampleId(), ids[1]);
  // R rejects the cursor's sample.
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("R"))));
  EXPECT_EQ(storedStatus(*project.store, ids[1]), "rejected");
  // Multi-select: shift+Right twice from sample 3, then "1" labels all three cats, no advance.
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("shift+Right"))));
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("shift+Right"))));
  EXPECT_EQ(state.targetSampleIds(), (std::vector<std::int64_t>{ids[2], ids[3], ids[4]}));
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("1"))));
  for (int i : {2, 3, 4}) EXPECT_EQ(storedLabel(*project.store, ids[static_cast<std::size_t>(i)]), "cat");
  EXPECT_FALSE(session.execute(*commandForChord(*parseKeyChord("9"))));  // only two classes

  // Decisions are in the store already (another connection sees them: nothing waits for exit).
  {
    auto other = store::ProjectStore::open(project.store->projectDir());
    ASSERT_TRUE(other);
    EXPECT_EQ((*other)->getSample(ids[3])->label, "cat");
  }

  // Undo reverts the last action (only dog->cat on 4 changed; 3 and 5 were cats already).
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("ctrl+Z"))));
  EXPECT_EQ(storedLabel(*project.store, ids[3]), "dog");
  EXPECT_EQ(state.catalog().items[*state.catalog().itemIndex(ids[3])].label, "dog");
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("ctrl+Z"))));
  EXPECT_EQ(storedStatus(*project.store, ids[1]), "active");
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("ctrl+Y"))));
  EXPECT_EQ(storedStatus(*project.store, ids[1]), "rejected");
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("ctrl+shift+Z"))));
  EXPECT_EQ(storedLabel(*project.store, ids[3]), "cat");
  EXPECT_FALSE(session.canRedo());

  // Toggle: with every target rejected, R restores.
  state.click(1, false, false);
  ASSERT_TRUE(session.toggleReject());
  EXPECT_EQ(storedStatus(*project.store, ids[1]), "active");

  // A change made outside the workbench after an action makes its undo refuse, changing nothing.
  state.click(5, false, false);
  ASSERT_TRUE(session.assignClass(0));
  ASSERT_TRUE(project.store->applyDecision(ids[5], "label", std::string("bird"), "user:test", "cli"));
  EXPECT_FALSE(session.undo());
  EXPECT_EQ(storedLabel(*project.store, ids[5]), "bird");

  // Every decision is recorded with the workbench as actor; undos point at what they undid.
  auto decisions = project.store->listDecisions(100);
  ASSERT_TRUE(decisions);
  int undos = 0;
  for (const auto& decision : *decisions) {
    if (decision.actor == "workbench" && decision.reason.rfind("undo of decision", 0) == 0) ++undos;
  }
  EXPECT_EQ(undos, 2);
}

TEST(ReviewSession, ImageViewAndBackKey) {
  SmallProject project(2);
  ReviewState state(review::loadReviewCatalog(*project.store).value());
  ReviewSession session(*project.store, state);
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("Enter"))));
  EXPECT_TRUE(session.imageOpen());
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("Space"))));
  EXPECT_EQ(state.selectionSize(), 1U);
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("Escape"))));
  EXPECT_FALSE(session.imageOpen());
  EXPECT_EQ(state.selectionSize(), 1U);
  ASSERT_TRUE(session.execute(*commandForChord(*parseKeyChord("Escape"))));
  EXPECT_EQ(state.selectionSize(), 0U);
}

TEST(DecisionBatch, UndoRefusesAlreadyUndoneDecisions) {
  SmallProject project(2);
  auto applied = review::applyDecisionBatch(*project.store, project.ids, "status", std::string("rejected"), "t", "r");
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->size(), 2U);
  ASSERT_TRUE(review::undoDecisions(*project.store, {applied->at(0).decisionId}, "t"));
  EXPECT_FALSE(review::undoDecisions(*project.store, {applied->at(0).decisionId}, "t"));
  EXPECT_FALSE(review::undoDecisions(*project.store, {999999}, "t"));
  auto again = review::applyDecisionBatch(*project.store, project.ids, "status", std::string("rejected"), "t", "r");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 1U);  // the other one was rejected already: no decision
}

TEST(Thumbnails, CachedOnDiskAndPlaceholdersCarryTheReason) {
  SmallProject project(4);
  // Sample 3: file missing. Sample 4: bytes that are not an image.
  fs::remove(project.dir / "img2.png");
  {
    std::ofstream corrupt(project.dir / "img3.png", std::ios::binary | std::ios::trunc);
    corrupt << "\x89PNG\r\n\x1a\n this is not the rest of a PNG";
  }
  auto catalog = review::loadReviewCatalog(*project.store);
  ASSERT_TRUE(catalog);
  review::ThumbnailCache cache(project.store->projectDir(), 16);
  auto first = cache.load(catalog->items[0]);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->fromCache);
  EXPECT_EQ(std::max(first->image.width, first->image.height), 16);
  EXPECT_EQ(first->image.width, 16);  // 40x30 keeps its aspect: 16x12
  EXPECT_EQ(first->image.height, 12);
  auto file = cache.cacheFile(catalog->items[0]);
  ASSERT_TRUE(file);
  EXPECT_TRUE(fs::exists(*file));
  EXPECT_EQ(file->parent_path().parent_path().parent_path(), project.store->projectDir() / "cache" / "thumbs");
  auto second = cache.load(catalog->items[0]);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->fromCache);
  // A damaged cache file is remade, not reported.
  { std::ofstream damaged(*file, std::ios::trunc); damaged << "x"; }
  auto remade = cache.load(catalog->items[0]);
  ASSERT_TRUE(remade) << remade.error().message;
  EXPECT_FALSE(remade->fromCache);

  // The loader hands back pixels for good files and the reason for bad ones, never crashing.
  ThumbnailLoader loader(cache, 2);
  for (const auto& item : catalog->items) loader.request(item);
  std::map<std::int64_t, LoadedThumbnail> results;
  for (int wait = 0; wait < 500 && results.size() < 4; ++wait) {
    for (auto& loaded : loader.takeFinished()) results[loaded.sampleId] = std::move(loaded);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(results.size(), 4U);
  EXPECT_TRUE(results[project.ids[1]].image);
  EXPECT_FALSE(results[project.ids[2]].image);
  EXPECT_NE(results[project.ids[2]].error.find("img2.png"), std::string::npos) << results[project.ids[2]].error;
  EXPECT_FALSE(results[project.ids[3]].image);
  EXPECT_NE(results[project.ids[3]].error.find("img3.png"), std::string::npos) << results[project.ids[3]].error;
  EXPECT_EQ(loader.pendingCount(), 0U);
}

TEST(Thumbnails, LoaderDropsTheOldestRequestsBeyondItsLimit) {
  SmallProject project(6);
  auto catalog = review::loadReviewCatalog(*project.store);
  ASSERT_TRUE(catalog);
  review::ThumbnailCache cache(project.store->projectDir(), 16);
  // One worker, at most two waiting: of six quick requests some must be dropped, the newest kept.
  ThumbnailLoader loader(cache, 1, 2);
  for (const auto& item : catalog->items) loader.request(item);
  std::map<std::int64_t, LoadedThumbnail> results;
  for (int wait = 0; wait < 300 && loader.pendingCount() > 0; ++wait) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& loaded : loader.takeFinished()) results[loaded.sampleId] = std::move(loaded);
  EXPECT_LT(results.size(), 6U);
  EXPECT_EQ(results.count(project.ids[5]), 1U);
}

TEST(SchemaForm, FieldsFromSchemaAndParamsBack) {
  const nlohmann::json schema = nlohmann::json::parse(R"({
    "type": "object", "required": ["size"],
    "properties": {
      "size": {"type": "integer", "minimum": 8, "default": 128, "description": "side"},
      "ratio": {"type": "number"},
      "fast": {"type": "boolean", "default": true},
      "mode": {"enum": ["a", "b"], "default": "b"},
      "levels": {"enum": [1, 2]},
      "name": {"type": "string"},
      "map": {"type": "object"}
    }})");
  SchemaForm form = SchemaForm::fromSchema(schema);
  ASSERT_EQ(form.fields.size(), 7U);
  auto field = [&](const std::string& key) -> FormField& {
    for (FormField& f : form.fields) {
      if (f.key == key) return f;
    }
    throw std::runtime_error("no field " + key);
  };
  EXPECT_EQ(field("size").type, FieldType::Integer);
  EXPECT_TRUE(field("size").required);
  EXPECT_EQ(field("size").intValue, 128);
  EXPECT_EQ(field("size").minimum, 8.0);
  EXPECT_EQ(field("mode").type, FieldType::Enum);
  EXPECT_EQ(field("map").type, FieldType::Json);
  EXPECT_FALSE(field("ratio").set);
  auto params = form.toParams();
  ASSERT_TRUE(params);
  EXPECT_EQ(*params, nlohmann::json::parse(R"({"size": 128, "fast": true, "mode": "b"})"));
  field("levels").set = true;
  field("levels").text = "2";
  field("map").set = true;
  field("map").text = R"({"x": "y"})";
  params = form.toParams();
  ASSERT_TRUE(params);
  EXPECT_EQ((*params)["levels"], 2);
  EXPECT_EQ((*params)["map"]["x"], "y");
  field("map").text = "{broken";
  auto broken = form.toParams();
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message, "params/map: not valid JSON");
}

TEST(TrainingRun, ReadsMetricsReportAndCells) {
  TempDir dir;
  EXPECT_FALSE(loadTrainingRun(dir / "absent"));
  auto empty = loadTrainingRun(dir.path());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->epochs.empty());
  EXPECT_EQ(empty->problems.size(), 2U);  // both files missing, said so
  {
    std::ofstream metrics(dir / "metrics.json");
    // The training module's form; the second epoch uses the accepted short names.
    metrics << R"({"epochs": [{"epoch": 1, "train_loss": 1.2, "val_loss": 1.4, "train_accuracy": 0.5, "val_accuracy": 0.4},
                              {"epoch": 2, "train_loss": 0.6, "val_loss": 0.9, "train_acc": 0.7}]})";
    std::ofstream report(dir / "report.json");
    report << R"({"test": {"class_names": ["cat", "dog"], "accuracy": 0.875, "confusion_matrix": [[3, 1], [0, 4]],
                  "predictions": [{"sample_id": 7, "true": "cat", "predicted": "dog"},
                                  {"sample_id": 2, "true": 0, "predicted": 0},
                                  {"sample_id": 5, "true": "cat", "predicted": 1}]}})";
  }
  auto run = loadTrainingRun(dir.path());
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->problems.empty());
  ASSERT_EQ(run->epochs.size(), 2U);
  EXPECT_DOUBLE_EQ(*run->epochs[0].trainAccuracy, 0.5);
  EXPECT_DOUBLE_EQ(*run->epochs[1].trainAccuracy, 0.7);
  EXPECT_FALSE(run->epochs[1].valAccuracy);
  EXPECT_EQ(run->classNames, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(run->confusion, (std::vector<std::vector<std::int64_t>>{{3, 1}, {0, 4}}));
  EXPECT_EQ(samplesInCell(*run, 0, 1), (std::vector<std::int64_t>{5, 7}));
  EXPECT_EQ(samplesInCell(*run, 0, 0), (std::vector<std::int64_t>{2}));
  EXPECT_TRUE(samplesInCell(*run, 1, 0).empty());
  fs::create_directories(dir / "project" / "runs" / "r1");
  fs::create_directories(dir / "project" / "runs" / "not-a-run");
  { std::ofstream(dir / "project" / "runs" / "r1" / "metrics.json") << "[]"; }
  EXPECT_EQ(listTrainingRuns(dir / "project"), (std::vector<fs::path>{dir / "project" / "runs" / "r1"}));
}

TEST(IdentityClusters, GroupsByDistanceAndBoardMergesAndSplits) {
  // Three tight groups in 2-D, far apart; the middle one is two sub-groups 0.3 apart.
  std::vector<std::vector<float>> vectors = {{0, 0},  {0.05F, 0}, {5, 5},     {5.05F, 5}, {0, 0.05F},
                                             {10, 0}, {10.3F, 0}, {10, 0.05F}, {10.3F, 0.05F}};
  const std::vector<int> assignment = review::clusterByDistance(vectors, 0.6);
  EXPECT_EQ(assignment, (std::vector<int>{0, 0, 1, 1, 0, 2, 2, 2, 2}));
  EXPECT_TRUE(review::clusterByDistance({}, 0.5).empty());
  review::StoredEmbeddings embeddings;
  embeddings.extractor = "test";
  for (std::size_t i = 0; i < vectors.size(); ++i) embeddings.sampleIds.push_back(static_cast<std::int64_t>(i + 1));
  embeddings.vectors = vectors;
  IdentityBoard board(embeddings, 0.6);
  ASSERT_EQ(board.groups().size(), 3U);
  EXPECT_EQ(board.groups()[0].sampleIds, (std::vector<std::int64_t>{6, 7, 8, 9}));  // largest first
  EXPECT_EQ(board.split(0, 0.2), 2U);
  ASSERT_EQ(board.groups().size(), 4U);  // {1,2,5}, {3,4}, {6,8}, {7,9}
  EXPECT_EQ(board.groups()[2].sampleIds, (std::vector<std::int64_t>{6, 8}));
  EXPECT_EQ(board.groups()[3].sampleIds, (std::vector<std::int64_t>{7, 9}));
  EXPECT_FALSE(board.merge(1, 1));
  EXPECT_FALSE(board.merge(0, 4));
  EXPECT_TRUE(board.merge(2, 3));
  ASSERT_EQ(board.groups().size(), 3U);
  EXPECT_EQ(board.groups()[0].sampleIds, (std::vector<std::int64_t>{6, 7, 8, 9}));
}

TEST(IdentityClusters, ReadsStoredEmbeddingsAndNamingLabelsAGroupInOneAction) {
  SmallProject project(3);
  for (std::size_t i = 0; i < 3; ++i) {
    const float vector[2] = {static_cast<float>(i), 1.0F};
    // Embeddings are written by the embed step; the test writes rows the same shape directly.
    const std::string sql = "INSERT INTO embeddings(sample_id, extractor, dimension, vector) VALUES(" +
                            std::to_string(project.ids[i]) + ", 'x', 2, X'" +
                            [&] {
                              std::string hex;
                              const auto* bytes = reinterpret_cast<const unsigned char*>(vector);
                              for (std::size_t b = 0; b < sizeof vector; ++b) {
                                char pair[3];
                                std::snprintf(pair, sizeof pair, "%02X", bytes[b]);
                                hex += pair;
                              }
                              return hex;
                            }() + "')";
    ASSERT_TRUE(winnow::store::SqlAccess::execute(*project.store, sql));
  }
  auto extractors = review::listEmbeddingExtractors(*project.store);
  ASSERT_TRUE(extractors);
  EXPECT_EQ(*extractors, (std::vector<std::string>{"x"}));
  auto embeddings = review::loadEmbeddings(*project.store, "x");
  ASSERT_TRUE(embeddings);
  ASSERT_EQ(embeddings->vectors.size(), 3U);
  EXPECT_EQ(embeddings->vectors[2], (std::vector<float>{2.0F, 1.0F}));
  IdentityBoard board(std::move(embeddings.value()), 10.0);
  ASSERT_EQ(board.groups().size(), 1U);
  ReviewState state(review::loadReviewCatalog(*project.store).value());
  ReviewSession session(*project.store, state);
  ASSERT_TRUE(session.assignLabel(board.groups()[0].sampleIds, std::string("Ada"), "name identity group Ada"));
  for (std::int64_t id : project.ids) EXPECT_EQ(storedLabel(*project.store, id), "Ada");
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(storedLabel(*project.store, project.ids[1]), "dog");
}

// Accepted suggestions set a different class per sample in one core transaction; the session
// takes them as one undoable action, and its undo and redo keep the actor ("user:workbench").
TEST(ReviewSession, RecordedSuggestionAcceptanceIsOneActionWithItsActor) {
  SmallProject project(4);
  ReviewState state(review::loadReviewCatalog(*project.store).value());
  ReviewSession session(*project.store, state);
  const auto& ids = project.ids;
  // What core's acceptSuggestions writes: each sample its own class (here 0 -> dog, 1 -> cat).
  auto first = review::applyDecisionBatch(*project.store, {ids[0]}, "label", std::string("dog"), kSuggestionActor, "accepted");
  auto second = review::applyDecisionBatch(*project.store, {ids[1]}, "label", std::string("cat"), kSuggestionActor, "accepted");
  ASSERT_TRUE(first && second);
  std::vector<review::AppliedDecision> decisions = *first;
  decisions.insert(decisions.end(), second->begin(), second->end());
  session.recordApplied(decisions, "accept suggestions", kSuggestionActor);
  EXPECT_EQ(state.catalog().items[*state.catalog().itemIndex(ids[0])].label, "dog");
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(storedLabel(*project.store, ids[0]), "cat");
  EXPECT_EQ(storedLabel(*project.store, ids[1]), "dog");
  ASSERT_TRUE(session.redo());
  EXPECT_EQ(storedLabel(*project.store, ids[0]), "dog");
  EXPECT_EQ(storedLabel(*project.store, ids[1]), "cat");
  // A correction with the same actor, undone too.
  ASSERT_TRUE(session.assignLabelAs({ids[2]}, std::string("dog"), "corrected suggestion cat to dog", kSuggestionActor));
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(storedLabel(*project.store, ids[2]), "cat");
  auto stored = project.store->listDecisions(100);
  ASSERT_TRUE(stored);
  for (const auto& decision : *stored) EXPECT_EQ(decision.actor, kSuggestionActor) << decision.reason;
  EXPECT_GE(stored->size(), 7U);
}

// Writes a 2-D descriptor for a sample, as the embed step stores them.
void storeVector(store::ProjectStore& store, std::int64_t sampleId, float x, float y) {
  const float vector[2] = {x, y};
  std::string hex;
  const auto* bytes = reinterpret_cast<const unsigned char*>(vector);
  for (std::size_t b = 0; b < sizeof vector; ++b) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02X", bytes[b]);
    hex += pair;
  }
  ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "INSERT INTO embeddings(sample_id, extractor, dimension, vector) VALUES(" +
                            std::to_string(sampleId) + ", 'x', 2, X'" + hex + "')"));
}

// The background retraining: core's suggestLabels on the worker's own connection; the UI's
// connection then loads the stored suggestions.
TEST(SuggestionRetrainer, RetrainsOnAWorkerAndTheUiLoadsTheSuggestions) {
  SmallProject project(10);
  // Cats near (1, 0), dogs near (0, 1); samples 8 and 9 lose their labels.
  for (std::size_t i = 0; i < project.ids.size(); ++i) {
    const float jitter = 0.05F * static_cast<float>(i);
    if (i % 2 == 0) {
      storeVector(*project.store, project.ids[i], 1.0F, jitter);
    } else {
      storeVector(*project.store, project.ids[i], jitter, 1.0F);
    }
  }
  for (std::size_t i : {8, 9}) {
    ASSERT_TRUE(project.store->applyDecision(project.ids[i], "label", std::nullopt, "user:test", "unlabel"));
  }
  SuggestionRetrainer retrainer;
  retrainer.request(project.store->projectDir(), "");
  retrainer.request(project.store->projectDir(), "");  // queued behind the first
  EXPECT_TRUE(retrainer.busy());
  std::size_t finished = 0;
  for (int wait = 0; wait < 1000 && (finished < 2 || retrainer.busy()); ++wait) {
    if (auto result = retrainer.takeResult()) {
      ASSERT_TRUE(*result) << result->error().message;
      EXPECT_EQ((*result)->suggestions, 2U);
      EXPECT_EQ((*result)->classes, 2U);
      ++finished;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(finished, 2U);
  EXPECT_EQ(retrainer.completed(), 2U);
  auto loaded = review::loadSuggestions(*project.store);
  ASSERT_TRUE(loaded) << loaded.error().message;
  SuggestionBoard board;
  board.replace(std::move(loaded.value()));
  ASSERT_EQ(board.rows().size(), 2U);
  for (const auto& row : board.rows()) {
    EXPECT_EQ(row.label, row.sampleId == project.ids[8] ? "cat" : "dog");
    EXPECT_GT(row.confidence, 0.5);
  }
}

TEST(FrameStats, NearestRankPercentiles) {
  std::vector<double> frames;
  for (int i = 1; i <= 100; ++i) frames.push_back(i);
  const FrameSummary summary = summariseFrames(frames);
  EXPECT_EQ(summary.frames, 100U);
  EXPECT_DOUBLE_EQ(summary.medianMs, 50.0);
  EXPECT_DOUBLE_EQ(summary.p95Ms, 95.0);
  EXPECT_DOUBLE_EQ(summary.maxMs, 100.0);
  EXPECT_DOUBLE_EQ(summary.meanMs, 50.5);
  EXPECT_EQ(summariseFrames({}).frames, 0U);
}

}  // namespace
}  // namespace winnow::workbench
