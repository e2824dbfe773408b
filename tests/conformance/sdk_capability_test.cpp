// The SDK's typed trampolines (winnow/sdk/capability.hpp) for balancers, models and exporters, called through
// the C tables they make, as a host would: which ops a class gets, the argument checks and their
// wording, request parsing, progress and cancellation, and the exception-to-status mapping.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "winnow/sdk/capability.hpp"

namespace {

namespace sdk = winnow::sdk;

struct Captured {
  std::string message;
  int calls = 0;
  winnow_error_sink sink() {
    message.clear();
    calls = 0;
    return {this, [](void* context, const char* text) {
              auto* self = static_cast<Captured*>(context);
              self->message = text;
              ++self->calls;
            }};
  }
};

struct CapturedText {
  std::string text;
  winnow_text_sink sink() {
    return {this, [](void* context, const char* value) { static_cast<CapturedText*>(context)->text = value; }};
  }
};

struct FakeHost {
  int32_t cancelled = 0;
  winnow_host_api api{sizeof(winnow_host_api), WINNOW_PLUGIN_API_LEVEL, this, nullptr,
                      [](void* context) { return static_cast<FakeHost*>(context)->cancelled; }};
};

winnow_image_view viewOf(const sdk::OwnedImage& image) { return image.view(); }

// Instances made through a capability's create/destroy.
class Instance {
 public:
  Instance(const winnow_capability& capability, const char* paramsJson, const winnow_host_api* host)
      : capability_(capability) {
    Captured error;
    status_ = capability.create(paramsJson, host, &raw_, error.sink());
    message_ = error.message;
  }
  ~Instance() {
    if (raw_ != nullptr) capability_.destroy(raw_);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  void* raw() const { return raw_; }
  winnow_status status() const { return status_; }
  const std::string& message() const { return message_; }

 private:
  const winnow_capability& capability_;
  void* raw_ = nullptr;
  winnow_status status_ = WINNOW_STATUS_ERROR;
  std::string message_;
};

// ---- models --------------------------------------------------------------------------------

// Embeds only: the level-4 ops stay NULL. Each vector is (width, height, channels); a picture 7
// pixels wide gets a short vector (a broken model).
class FakeEmbedder {
 public:
  static constexpr const char* kName = "fake_embedder";
  FakeEmbedder(const sdk::Params& params, const winnow_host_api* /*host*/)
      : dimension_(static_cast<std::uint32_t>(params.integer("dimension", 3))) {}
  std::uint32_t embeddingDim() const { return dimension_; }
  std::vector<std::vector<float>> embed(const std::vector<winnow_image_view>& images) const {
    std::vector<std::vector<float>> vectors;
    for (const winnow_image_view& view : images) {
      std::vector<float> vector = {static_cast<float>(view.width), static_cast<float>(view.height),
                                   static_cast<float>(view.channels)};
      if (view.width == 7) vector.pop_back();
      vectors.push_back(vector);
    }
    return vectors;
  }

 private:
  std::uint32_t dimension_;
};

// Trains, evaluates, loads and classifies; no embedding. Unexpected exceptions are prefixed.
class FakeClassifier {
 public:
  static constexpr const char* kName = "fake_classifier";
  static constexpr sdk::GuardStyle kGuardStyle{"fake plugin", nullptr};
  FakeClassifier(const sdk::Params& /*params*/, const winnow_host_api* /*host*/) {}

  nlohmann::json train(const sdk::TrainRequest& request, const sdk::ProgressSink& progress) {
    for (std::uint64_t epoch = 1; epoch <= 3; ++epoch) {
      if (progress.cancelled()) throw sdk::Cancelled();
      progress.report(epoch, 3, "epoch");
      progress.line("epoch " + std::to_string(epoch) + " done");
    }
    return {{"dataset", request.dataset}, {"run_dir", request.runDir}, {"resume", request.resume}};
  }
  nlohmann::json evaluate(const sdk::EvaluateRequest& request, const sdk::ProgressSink& /*progress*/) {
    return {{"model", request.model}, {"dataset", request.dataset}, {"output_dir", request.outputDir},
            {"split", request.split}};
  }
  nlohmann::json loadModel(const std::string& modelPath) {
    if (modelPath == "broken") throw std::runtime_error("cannot read broken");
    loaded_ = true;
    return {{"class_names", {"cat", "dog"}}};
  }
  std::vector<std::vector<float>> classify(const std::vector<winnow_image_view>& images) const {
    if (!loaded_) throw std::invalid_argument("fake_classifier: classify before load_model");
    return std::vector<std::vector<float>>(images.size(), std::vector<float>{0.25F, 0.75F});
  }

 private:
  bool loaded_ = false;
};

const winnow_model_ops& modelOpsOf(const winnow_capability& capability) {
  return *static_cast<const winnow_model_ops*>(capability.ops);
}

TEST(SdkCapability, ModelTableHoldsOnlyTheOpsTheClassHas) {
  const winnow_capability embedder = sdk::modelCapability<FakeEmbedder>("fake.embedder");
  EXPECT_EQ(embedder.kind, WINNOW_CAPABILITY_KIND_MODEL);
  const winnow_model_ops& embedOps = modelOpsOf(embedder);
  EXPECT_EQ(embedOps.struct_size, sizeof(winnow_model_ops));
  EXPECT_NE(embedOps.embedding_dim, nullptr);
  EXPECT_NE(embedOps.embed, nullptr);
  EXPECT_EQ(embedOps.train, nullptr);
  EXPECT_EQ(embedOps.evaluate, nullptr);
  EXPECT_EQ(embedOps.load_model, nullptr);
  EXPECT_EQ(embedOps.classify, nullptr);

  const winnow_capability classifier = sdk::modelCapability<FakeClassifier>("fake.classifier");
  const winnow_model_ops& classifyOps = modelOpsOf(classifier);
  EXPECT_EQ(classifyOps.embed, nullptr);
  EXPECT_NE(classifyOps.train, nullptr);
  EXPECT_NE(classifyOps.evaluate, nullptr);
  EXPECT_NE(classifyOps.load_model, nullptr);
  EXPECT_NE(classifyOps.classify, nullptr);
  Instance instance(classifier, "{}", nullptr);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();
  EXPECT_EQ(classifyOps.embedding_dim(instance.raw()), 0U);  // does not embed
}

TEST(SdkCapability, EmbedChecksArgumentsAndTheModelsVectors) {
  const winnow_capability capability = sdk::modelCapability<FakeEmbedder>("fake.embedder");
  const winnow_model_ops& ops = modelOpsOf(capability);
  Instance instance(capability, R"({"dimension": 3})", nullptr);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();
  ASSERT_EQ(ops.embedding_dim(instance.raw()), 3U);

  const sdk::OwnedImage grey = sdk::OwnedImage::blank(4, 2, WINNOW_PIXEL_FORMAT_GRAY8);
  const sdk::OwnedImage rgb = sdk::OwnedImage::blank(5, 6, WINNOW_PIXEL_FORMAT_RGB8);
  const winnow_image_view views[2] = {viewOf(grey), viewOf(rgb)};
  std::vector<float> out(6, -1.0F);
  Captured error;
  ASSERT_EQ(ops.embed(instance.raw(), views, 2, out.data(), error.sink()), WINNOW_STATUS_OK) << error.message;
  EXPECT_EQ(out, (std::vector<float>{4, 2, 1, 5, 6, 3}));

  EXPECT_EQ(ops.embed(instance.raw(), nullptr, 2, out.data(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_embedder: no images or output");
  EXPECT_EQ(ops.embed(instance.raw(), views, 2, nullptr, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  winnow_image_view broken[2] = {views[0], views[1]};
  broken[1].stride_bytes = 1;
  EXPECT_EQ(ops.embed(instance.raw(), broken, 2, out.data(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_embedder: invalid image 1");

  const sdk::OwnedImage seven = sdk::OwnedImage::blank(7, 1, WINNOW_PIXEL_FORMAT_GRAY8);
  const winnow_image_view shortVector = viewOf(seven);
  EXPECT_EQ(ops.embed(instance.raw(), &shortVector, 1, out.data(), error.sink()), WINNOW_STATUS_ERROR);
  EXPECT_EQ(error.message, "row 0 has 2 values, expected 3");
  EXPECT_EQ(error.calls, 1);

  Instance wrongType(capability, R"({"dimension": "three"})", nullptr);
  EXPECT_EQ(wrongType.status(), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(wrongType.raw(), nullptr);
  EXPECT_EQ(wrongType.message(), "params/dimension: expected an integer");
}

TEST(SdkCapability, TrainParsesTheRequestReportsProgressAndStopsWhenCancelled) {
  const winnow_capability capability = sdk::modelCapability<FakeClassifier>("fake.classifier");
  const winnow_model_ops& ops = modelOpsOf(capability);
  FakeHost host;
  Instance instance(capability, "{}", &host.api);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();

  struct Progress {
    std::vector<std::string> events;
  } progress;
  const winnow_progress_sink progressSink{
      &progress,
      [](void* context, std::uint64_t done, std::uint64_t total, const char* stage) {
        static_cast<Progress*>(context)->events.push_back(std::string(stage) + " " + std::to_string(done) + "/" +
                                                          std::to_string(total));
      },
      [](void* context, const char* text) { static_cast<Progress*>(context)->events.emplace_back(text); }};
  CapturedText result;
  Captured error;
  ASSERT_EQ(ops.train(instance.raw(), R"({"dataset": "d.h5", "run_dir": "run"})", progressSink, result.sink(),
                      error.sink()),
            WINNOW_STATUS_OK)
      << error.message;
  EXPECT_EQ(nlohmann::json::parse(result.text),
            (nlohmann::json{{"dataset", "d.h5"}, {"run_dir", "run"}, {"resume", false}}));
  EXPECT_EQ(progress.events, (std::vector<std::string>{"epoch 1/3", "epoch 1 done", "epoch 2/3", "epoch 2 done",
                                                       "epoch 3/3", "epoch 3 done"}));

  EXPECT_EQ(ops.train(instance.raw(), R"({"run_dir": "run"})", progressSink, result.sink(), error.sink()),
            WINNOW_STATUS_ERROR);
  EXPECT_NE(error.message.find("fake plugin: "), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("dataset"), std::string::npos) << error.message;

  host.cancelled = 1;
  result.text.clear();
  EXPECT_EQ(ops.train(instance.raw(), R"({"dataset": "d.h5", "run_dir": "run", "resume": true})", progressSink,
                      result.sink(), error.sink()),
            WINNOW_STATUS_CANCELLED);
  EXPECT_EQ(error.message, "cancelled");
  EXPECT_TRUE(result.text.empty());

  ASSERT_EQ(ops.evaluate(instance.raw(), R"({"model": "m.h5", "dataset": "d.h5"})", progressSink, result.sink(),
                         error.sink()),
            WINNOW_STATUS_OK);
  EXPECT_EQ(nlohmann::json::parse(result.text),
            (nlohmann::json{{"model", "m.h5"}, {"dataset", "d.h5"}, {"output_dir", ""}, {"split", "all"}}));
}

TEST(SdkCapability, ClassifyNeedsALoadedModelAndABufferThatFits) {
  const winnow_capability capability = sdk::modelCapability<FakeClassifier>("fake.classifier");
  const winnow_model_ops& ops = modelOpsOf(capability);
  Instance instance(capability, "{}", nullptr);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();
  const sdk::OwnedImage image = sdk::OwnedImage::blank(3, 3, WINNOW_PIXEL_FORMAT_RGB8);
  const winnow_image_view views[2] = {viewOf(image), viewOf(image)};
  std::vector<float> out(4, -1.0F);
  Captured error;
  EXPECT_EQ(ops.classify(instance.raw(), views, 2, out.data(), out.size(), error.sink()),
            WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_classifier: classify before load_model");

  CapturedText description;
  EXPECT_EQ(ops.load_model(instance.raw(), "broken", description.sink(), error.sink()), WINNOW_STATUS_ERROR);
  EXPECT_EQ(error.message, "fake plugin: cannot read broken");
  ASSERT_EQ(ops.load_model(instance.raw(), "model.h5", description.sink(), error.sink()), WINNOW_STATUS_OK);
  EXPECT_EQ(nlohmann::json::parse(description.text)["class_names"].size(), 2U);

  ASSERT_EQ(ops.classify(instance.raw(), views, 2, out.data(), out.size(), error.sink()), WINNOW_STATUS_OK)
      << error.message;
  EXPECT_EQ(out, (std::vector<float>{0.25F, 0.75F, 0.25F, 0.75F}));
  EXPECT_EQ(ops.classify(instance.raw(), views, 2, out.data(), 3, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_classifier: no images or an output buffer too small");
  EXPECT_EQ(ops.classify(instance.raw(), nullptr, 2, out.data(), out.size(), error.sink()),
            WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_classifier: no images or an output buffer too small");
}

// ---- balancers -----------------------------------------------------------------------------

// Keeps every class; the loss weight is the class's feature dimension; a class named "boom"
// throws an unexpected exception.
class FakeBalancer {
 public:
  static constexpr const char* kName = "fake_balancer";
  static constexpr sdk::GuardStyle kGuardStyle{"fake_balancer", nullptr};
  FakeBalancer(const sdk::Params& /*params*/, const winnow_host_api* /*host*/) {}
  std::vector<sdk::BalancePlan> plan(const std::vector<sdk::BalanceClass>& classes, std::uint64_t seed) const {
    std::vector<sdk::BalancePlan> plans;
    for (const sdk::BalanceClass& input : classes) {
      if (input.name == "boom") throw std::runtime_error("boom");
      sdk::BalancePlan plan;
      plan.className = input.name;
      plan.action = WINNOW_BALANCE_ACTION_OVERSAMPLE;
      plan.targetCount = input.sampleIds.size() + 1;
      plan.sampleIds = input.sampleIds;
      plan.sampleIds.push_back(input.sampleIds.front());
      plan.lossWeight = static_cast<float>(input.featureDim) + static_cast<float>(seed);
      plans.push_back(plan);
    }
    return plans;
  }
};

struct PlanCollector {
  std::vector<std::string> plans;
  winnow_balance_plan_sink sink() {
    return {this, [](void* context, const winnow_balance_class_plan* plan) {
              std::string text = std::string(plan->class_name) + " " + std::to_string(plan->target_count) + ":";
              for (std::uint64_t i = 0; i < plan->sample_id_count; ++i) text += " " + std::to_string(plan->sample_ids[i]);
              text += " w" + std::to_string(static_cast<int>(plan->loss_weight));
              static_cast<PlanCollector*>(context)->plans.push_back(text);
              return WINNOW_STATUS_OK;
            }};
  }
};

TEST(SdkCapability, BalancerGetsTheClassesAsValuesAndItsPlansReachTheHost) {
  const winnow_capability capability = sdk::balancerCapability<FakeBalancer>("fake.balancer");
  EXPECT_EQ(capability.kind, WINNOW_CAPABILITY_KIND_BALANCER);
  const auto& ops = *static_cast<const winnow_balancer_ops*>(capability.ops);
  EXPECT_EQ(ops.struct_size, sizeof(winnow_balancer_ops));
  Instance instance(capability, "{}", nullptr);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();

  const std::vector<std::int64_t> cats = {1, 2}, dogs = {7};
  const std::vector<float> catFeatures = {0.0F, 1.0F, 2.0F, 3.0F};
  winnow_balance_class classes[2] = {
      {sizeof(winnow_balance_class), "cat", cats.size(), cats.data(), 2, catFeatures.data()},
      {sizeof(winnow_balance_class), "dog", dogs.size(), dogs.data(), 0, nullptr}};
  winnow_balance_input input{sizeof(winnow_balance_input), 2, classes, 10};
  PlanCollector collector;
  Captured error;
  ASSERT_EQ(ops.plan(instance.raw(), &input, collector.sink(), error.sink()), WINNOW_STATUS_OK) << error.message;
  EXPECT_EQ(collector.plans, (std::vector<std::string>{"cat 3: 1 2 1 w12", "dog 2: 7 7 w10"}));

  EXPECT_EQ(ops.plan(instance.raw(), nullptr, collector.sink(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_balancer: null instance, input or output sink");
  winnow_balance_input small = input;
  small.struct_size = 4;
  EXPECT_EQ(ops.plan(instance.raw(), &small, collector.sink(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_balancer: input struct_size too small");
  classes[1].sample_ids = nullptr;
  EXPECT_EQ(ops.plan(instance.raw(), &input, collector.sink(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_balancer: input class #1 is malformed");
  classes[1].sample_ids = dogs.data();

  classes[1].name = "boom";
  EXPECT_EQ(ops.plan(instance.raw(), &input, collector.sink(), error.sink()), WINNOW_STATUS_ERROR);
  EXPECT_EQ(error.message, "fake_balancer: boom");

  const winnow_balance_plan_sink refusing{nullptr, [](void*, const winnow_balance_class_plan*) {
                                            return WINNOW_STATUS_UNSUPPORTED;
                                          }};
  classes[1].name = "dog";
  EXPECT_EQ(ops.plan(instance.raw(), &input, refusing, error.sink()), WINNOW_STATUS_UNSUPPORTED);
}

// ---- create and the detector's box sink -----------------------------------------------------

class FakeDetector {
 public:
  static constexpr const char* kName = "fake_detector";
  FakeDetector(const sdk::Params& /*params*/, const winnow_host_api* /*host*/) {}
  std::vector<sdk::FaceBox> detect(const winnow_image_view& /*input*/) { return {sdk::FaceBox{1, 2, 3, 4, 0.5F, {}}}; }
};

TEST(SdkCapability, CreateAndDetectRefuseMissingOutputsNamingTheClass) {
  const winnow_capability capability = sdk::detectorCapability<FakeDetector>("fake.detector");
  Captured error;
  EXPECT_EQ(capability.create("{}", nullptr, nullptr, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_detector: out_instance is null");

  Instance instance(capability, "[]", nullptr);
  EXPECT_EQ(instance.status(), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(instance.raw(), nullptr);
  EXPECT_EQ(instance.message(), "params: not a JSON object");

  Instance detector(capability, "{}", nullptr);
  ASSERT_EQ(detector.status(), WINNOW_STATUS_OK) << detector.message();
  const auto& ops = *static_cast<const winnow_detector_ops*>(capability.ops);
  const sdk::OwnedImage image = sdk::OwnedImage::blank(8, 8, WINNOW_PIXEL_FORMAT_RGB8);
  const winnow_image_view view = image.view();
  EXPECT_EQ(ops.detect(detector.raw(), &view, winnow_box_sink{nullptr, nullptr}, error.sink()),
            WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_detector: invalid input image");
  int boxes = 0;
  const winnow_box_sink counting{&boxes, [](void* context, const winnow_face_box*) { ++*static_cast<int*>(context); }};
  EXPECT_EQ(ops.detect(detector.raw(), &view, counting, error.sink()), WINNOW_STATUS_OK);
  EXPECT_EQ(boxes, 1);
}


// ---- exporters ------------------------------------------------------------------------------

// What the trampolines let through to an exporter, in order. write refuses a sample with label_index
// -2 (INVALID_ARGUMENT) and fails on label_index 99 (an I/O failure, ERROR).
struct ExportCalls {
  std::vector<std::string> calls;
};

class FakeExporter final : public sdk::Exporter {
 public:
  static constexpr const char* kName = "fake_exporter";
  FakeExporter(const sdk::Params& /*params*/, const winnow_host_api* host)
      : log_(static_cast<ExportCalls*>(host->context)) {}
  void begin(const sdk::ExportBegin& info) override {
    log_->calls.push_back("begin " + info.outputPath + " " + std::to_string(info.sampleCount));
  }
  void write(const winnow_export_sample& sample) override {
    if (sample.label_index == -2) throw std::invalid_argument("fake_exporter: label_index -2");
    if (sample.label_index == 99) throw std::runtime_error("disk full");
    log_->calls.push_back("write " + std::to_string(sample.sample_id));
  }
  void finish() override { log_->calls.push_back("finish"); }
  void abort() noexcept override { log_->calls.push_back("abort"); }

 private:
  ExportCalls* log_;
};

// Parses its own parameters (E(const char*, host)), so even malformed JSON is refused in its words.
class RawParamsExporter final : public sdk::Exporter {
 public:
  RawParamsExporter(const char* paramsJson, const winnow_host_api* /*host*/) {
    if (std::string(paramsJson) != "{}") throw std::invalid_argument("raw: params.*: not valid JSON");
  }
  void begin(const sdk::ExportBegin& /*info*/) override {}
  void write(const winnow_export_sample& /*sample*/) override {}
  void finish() override {}
  void abort() noexcept override {}
};

struct ExportFixture {
  ExportCalls log;
  winnow_host_api host{sizeof(winnow_host_api), WINNOW_PLUGIN_API_LEVEL, &log, nullptr, nullptr};
  winnow_capability capability = sdk::exporterCapability<FakeExporter>("fake.exporter");
  const winnow_exporter_ops& ops = *static_cast<const winnow_exporter_ops*>(capability.ops);
  const char* classNames[1] = {"cat"};

  winnow_export_begin_info beginInfo(std::uint64_t count) const {
    winnow_export_begin_info info{};
    info.struct_size = sizeof(info);
    info.output_path = "out.csv";
    info.sample_count = count;
    info.class_count = 1;
    info.class_names = classNames;
    return info;
  }
  static winnow_export_sample sample(std::int64_t id, std::int32_t labelIndex = 0) {
    winnow_export_sample out{};
    out.struct_size = sizeof(out);
    out.sample_id = id;
    out.label_index = labelIndex;
    out.parent_sample_id = -1;
    return out;
  }
};

TEST(SdkCapability, ExporterRefusedSampleDoesNotCountNorEndTheExport) {
  ExportFixture fixture;
  Instance instance(fixture.capability, "{}", &fixture.host);
  ASSERT_EQ(instance.status(), WINNOW_STATUS_OK) << instance.message();
  Captured error;
  const winnow_export_begin_info info = fixture.beginInfo(2);
  ASSERT_EQ(fixture.ops.begin(instance.raw(), &info, error.sink()), WINNOW_STATUS_OK);
  winnow_export_sample first = ExportFixture::sample(1);
  ASSERT_EQ(fixture.ops.write_sample(instance.raw(), &first, error.sink()), WINNOW_STATUS_OK);
  winnow_export_sample refused = ExportFixture::sample(2, -2);
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &refused, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: label_index -2");
  EXPECT_EQ(fixture.ops.finish(instance.raw(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: finish after 1 samples but begin announced 2");
  EXPECT_EQ(fixture.log.calls, (std::vector<std::string>{"begin out.csv 2", "write 1", "abort"}))
      << "a failed finish ends the export: abort at once";
}

TEST(SdkCapability, ExporterGoesOnAfterARefusalAndFinishes) {
  ExportFixture fixture;
  Instance instance(fixture.capability, "{}", &fixture.host);
  Captured error;
  const winnow_export_begin_info info = fixture.beginInfo(1);
  ASSERT_EQ(fixture.ops.begin(instance.raw(), &info, error.sink()), WINNOW_STATUS_OK);
  winnow_export_sample refused = ExportFixture::sample(2, -2);
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &refused, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  winnow_export_sample good = ExportFixture::sample(3);
  ASSERT_EQ(fixture.ops.write_sample(instance.raw(), &good, error.sink()), WINNOW_STATUS_OK) << error.message;
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &good, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: more samples than the 1 announced in begin");
  ASSERT_EQ(fixture.ops.finish(instance.raw(), error.sink()), WINNOW_STATUS_OK) << error.message;
  fixture.ops.abort(instance.raw());
  EXPECT_EQ(fixture.log.calls, (std::vector<std::string>{"begin out.csv 1", "write 3", "finish"}))
      << "no abort after a successful finish";
}

TEST(SdkCapability, ExporterFailureEndsTheExportAndAbortsOnce) {
  ExportFixture fixture;
  {
    Instance instance(fixture.capability, "{}", &fixture.host);
    Captured error;
    const winnow_export_begin_info info = fixture.beginInfo(2);
    ASSERT_EQ(fixture.ops.begin(instance.raw(), &info, error.sink()), WINNOW_STATUS_OK);
    winnow_export_sample failing = ExportFixture::sample(1, 99);
    EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &failing, error.sink()), WINNOW_STATUS_ERROR);
    EXPECT_EQ(error.message, "disk full");
    winnow_export_sample good = ExportFixture::sample(2);
    EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &good, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(error.message, "fake_exporter: write_sample outside begin/finish");
    EXPECT_EQ(fixture.ops.finish(instance.raw(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(error.message, "fake_exporter: finish without a successful begin");
    fixture.ops.abort(instance.raw());
  }
  EXPECT_EQ(fixture.log.calls, (std::vector<std::string>{"begin out.csv 2", "abort"}));
  {
    // Destroyed without finish: abort from destroy.
    Instance instance(fixture.capability, "{}", &fixture.host);
    Captured error;
    const winnow_export_begin_info info = fixture.beginInfo(1);
    ASSERT_EQ(fixture.ops.begin(instance.raw(), &info, error.sink()), WINNOW_STATUS_OK);
    EXPECT_EQ(fixture.ops.begin(instance.raw(), &info, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(error.message, "fake_exporter: begin called twice");
  }
  EXPECT_EQ(fixture.log.calls,
            (std::vector<std::string>{"begin out.csv 2", "abort", "begin out.csv 1", "abort"}));
}

TEST(SdkCapability, ExporterChecksArgumentsBeforeThePhase) {
  ExportFixture fixture;
  Instance instance(fixture.capability, "{}", &fixture.host);
  Captured error;
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), nullptr, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: sample is null");
  winnow_export_sample shortSample = ExportFixture::sample(1);
  shortSample.struct_size = 8;
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &shortSample, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: sample struct_size too small");
  winnow_export_sample good = ExportFixture::sample(1);
  EXPECT_EQ(fixture.ops.write_sample(instance.raw(), &good, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: write_sample outside begin/finish");
  EXPECT_EQ(fixture.ops.finish(instance.raw(), error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: finish without a successful begin");
  EXPECT_TRUE(fixture.log.calls.empty());

  Instance other(fixture.capability, "{}", &fixture.host);
  winnow_export_begin_info info = fixture.beginInfo(1);
  const char* nullName[1] = {nullptr};
  info.class_names = nullName;
  EXPECT_EQ(fixture.ops.begin(other.raw(), &info, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: class_names[0] is null");
  EXPECT_EQ(fixture.ops.begin(other.raw(), nullptr, error.sink()), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "fake_exporter: begin info is null");
  EXPECT_TRUE(fixture.log.calls.empty()) << "a refused begin reaches nothing, not even abort";
}

TEST(SdkCapability, ExporterParsingItsOwnParamsWordsMalformedJson) {
  const winnow_capability capability = sdk::exporterCapability<RawParamsExporter>("raw.exporter");
  Instance malformed(capability, "{", nullptr);
  EXPECT_EQ(malformed.status(), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(malformed.message(), "raw: params.*: not valid JSON");
  Instance wellFormed(capability, "{}", nullptr);
  EXPECT_EQ(wellFormed.status(), WINNOW_STATUS_OK) << wellFormed.message();
}

}  // namespace
