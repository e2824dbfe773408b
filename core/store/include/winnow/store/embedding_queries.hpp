// Queries of the embeddings table (one row per sample and extractor: `dimension` float32 values in
// native byte order). Every reader of stored embeddings goes through embeddingExtractors and
// readEmbeddings; the options name what differs between the callers (which samples, order, limit).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The order embeddingExtractors lists extractors in.
enum class ExtractorOrder {
  Invalid = 0,
  ByName,
  MostEmbeddingsFirst,  // ties: by name
};

// Extractors with stored embeddings, in `order`.
Result<std::vector<std::string>> embeddingExtractors(const ProjectStore& store, ExtractorOrder order);

// Whose embeddings readEmbeddings returns.
enum class EmbeddedSamples {
  Invalid = 0,
  All,                    // every row of the extractor, whatever its sample's status
  NotRejected,            // samples whose status is not 'rejected'
  NotRejectedUnlabelled,  // of those, the ones without a label (NULL or '')
  ActiveLabelled,         // samples with status 'active' and a label (not NULL)
};

// The order readEmbeddings returns rows in.
enum class EmbeddingOrder {
  Invalid = 0,
  TableOrder,  // as SQLite scans the table (no ORDER BY)
  BySampleId,
};

struct EmbeddingQuery {
  std::string extractor;
  EmbeddedSamples samples = EmbeddedSamples::Invalid;
  EmbeddingOrder order = EmbeddingOrder::Invalid;
  // The first maxRows rows only (after `samples` and `order`, before wrong-size rows are set
  // aside: those count towards the limit). nullopt = all.
  std::optional<std::int64_t> maxRows;
};

// One stored embedding, decoded.
struct EmbeddingRow {
  std::int64_t sampleId = 0;
  // The sample's label; read for every EmbeddedSamples but All (nullopt there, and for NULL).
  std::optional<std::string> label;
  std::vector<float> values;  // never empty
};

struct StoredEmbeddings {
  std::vector<EmbeddingRow> rows;  // in the query's order
  // Rows whose stored vector is not `dimension` floats (or dimension <= 0), in the query's order;
  // they are not in `rows`.
  std::vector<std::int64_t> wrongSizeSampleIds;
};

// The embeddings `query` selects. An Invalid option is an InvalidArgument error.
Result<StoredEmbeddings> readEmbeddings(const ProjectStore& store, const EmbeddingQuery& query);

// Samples that have an embedding from `extractor`.
Result<std::set<std::int64_t>> samplesWithEmbedding(const ProjectStore& store, const std::string& extractor);

// Stores (replaces) the embedding of sampleIds[i] from `extractor` as vectors[i], for every i
// (vectors has an entry per sample id); one prepared statement for the batch.
// In the caller's transaction.
Status putEmbeddings(ProjectStore& store, const std::string& extractor, const std::vector<std::int64_t>& sampleIds,
                     const std::vector<std::vector<float>>& vectors);

}  // namespace winnow::store
