// computeMissingHashes: perceptual hashes and keeper measures for samples that have none yet.
#include <algorithm>
#include <thread>

#include "winnow/image/serial_opencv.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/dedupe/perceptual_hash.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/job/parallel_for.hpp"
#include "winnow/quality/image_measures.hpp"
#include "winnow/store/dedupe_queries.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {

namespace {

constexpr std::size_t kBatchSize = 256;
// Ingest's decode side (hashes need 32x32 and the sharpness measure 96x96; JPEGs at least twice
// this size decode shrunk in the DCT): a sample hashed here gets the values ingest would have
// given it.
constexpr int kHashDecodeSide = quality::kMeasureDecodeSide;

struct HashOutcome {
  bool ok = false;
  HashedImage hashed;
  std::string error;
};

HashOutcome hashFile(const std::filesystem::path& path) {
  HashOutcome outcome;
  auto decoded = image::decodeForAnalysis(path, kHashDecodeSide);
  if (!decoded) {
    outcome.error = decoded.error().message;
    return outcome;
  }
  auto hashed = hashImage(decoded->image);
  if (!hashed) {
    outcome.error = path.string() + ": " + hashed.error().message;
    return outcome;
  }
  outcome.ok = true;
  outcome.hashed = *hashed;
  return outcome;
}

Status storeBatch(store::ProjectStore& store, const std::vector<store::SamplePixelFile>& batch,
                  const std::vector<HashOutcome>& outcomes, HashingSummary& summary,
                  job::JobContext& job) {
  auto begun = store.beginTransaction();
  if (!begun) return begun.error();
  store::ProjectStore::Transaction transaction = std::move(begun.value());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const HashOutcome& outcome = outcomes[i];
    if (!outcome.ok) {
      ++summary.failed;
      job.warn("dupes: sample " + std::to_string(batch[i].sampleId) + ": " + outcome.error);
      continue;
    }
    if (Status status = store.putPerceptualHashes(batch[i].sampleId, outcome.hashed.hashes.phash,
                                                  outcome.hashed.hashes.dhash);
        !status) {
      return status;
    }
    if (Status status = store.putMeasures(batch[i].sampleId, keeperMeasureList(outcome.hashed.measures));
        !status) {
      return status;
    }
    ++summary.computed;
  }
  return transaction.commit();
}

}  // namespace

std::vector<std::pair<std::string, double>> keeperMeasureList(const ImageMeasures& measures) {
  return {{kSharpnessMeasure, measures.sharpness}, {kBrightnessMeasure, measures.brightness}};
}

Result<HashingSummary> computeMissingHashes(store::ProjectStore& store, unsigned threads,
                                            job::JobContext& job) {
  HashingSummary summary;
  auto cached = store::countSampleHashes(store);
  if (!cached) return cached.error();
  summary.cached = *cached;
  auto unhashed = store::samplesWithoutHashes(store);
  if (!unhashed) return unhashed.error();
  const std::vector<store::SamplePixelFile>& pending = *unhashed;
  if (pending.empty()) return summary;

  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const image::SerialOpenCv serialOpenCv;
  quality::prepareMeasures();  // the working picture's conversions, before the workers start
  job.begin("hashing", static_cast<std::int64_t>(pending.size()));
  for (std::size_t first = 0; first < pending.size(); first += kBatchSize) {
    if (job.cancelled()) {
      summary.cancelled = true;
      break;
    }
    const std::vector<store::SamplePixelFile> batch(
        pending.begin() + static_cast<std::ptrdiff_t>(first),
        pending.begin() + static_cast<std::ptrdiff_t>(std::min(pending.size(), first + kBatchSize)));
    std::vector<HashOutcome> outcomes(batch.size());
    job::parallelFor(
        batch.size(), static_cast<int>(threads),
        [&](std::size_t i, std::size_t /*worker*/) {
          outcomes[i] = hashFile(batch[i].path);
          job.advance();
        },
        [&] { return job.cancelled(); });
    if (job.cancelled()) {  // the unfinished batch is dropped whole
      summary.cancelled = true;
      break;
    }
    if (Status status = storeBatch(store, batch, outcomes, summary, job); !status) {
      return status.error();
    }
  }
  job.finish();
  return summary;
}

}  // namespace winnow::dedupe
