#include "winnow/store/embedding_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<std::string>> embeddingExtractors(const ProjectStore& store, ExtractorOrder order) {
  const char* sql = nullptr;
  switch (order) {
    case ExtractorOrder::ByName:
      sql = "SELECT DISTINCT extractor FROM embeddings ORDER BY extractor";
      break;
    case ExtractorOrder::MostEmbeddingsFirst:
      sql = "SELECT extractor FROM embeddings GROUP BY extractor ORDER BY COUNT(*) DESC, extractor";
      break;
    case ExtractorOrder::Invalid:
      return makeError(ErrorCode::InvalidArgument, "embedding extractors: no order given");
  }
  SqliteStatement select(SqlAccess::handle(store), sql);
  return collectRows(select, "read embeddings", [](const SqliteStatement& row) { return row.columnText(0); });
}

Result<StoredEmbeddings> readEmbeddings(const ProjectStore& store, const EmbeddingQuery& query) {
  std::string sql;
  switch (query.samples) {
    case EmbeddedSamples::All:
      sql = "SELECT e.sample_id, NULL, e.dimension, e.vector FROM embeddings e WHERE e.extractor = ?";
      break;
    case EmbeddedSamples::NotRejected:
    case EmbeddedSamples::NotRejectedUnlabelled:
      sql = "SELECT e.sample_id, s.label, e.dimension, e.vector FROM embeddings e JOIN samples s "
            "ON s.id = e.sample_id WHERE e.extractor = ? AND s.status != 'rejected'";
      if (query.samples == EmbeddedSamples::NotRejectedUnlabelled) sql += " AND (s.label IS NULL OR s.label = '')";
      break;
    case EmbeddedSamples::ActiveLabelled:
      sql = "SELECT e.sample_id, s.label, e.dimension, e.vector FROM embeddings e JOIN samples s "
            "ON s.id = e.sample_id WHERE e.extractor = ? AND s.status = 'active' AND s.label IS NOT NULL";
      break;
    case EmbeddedSamples::Invalid:
      return makeError(ErrorCode::InvalidArgument, "read embeddings: no sample selection given");
  }
  switch (query.order) {
    case EmbeddingOrder::TableOrder:
      break;
    case EmbeddingOrder::BySampleId:
      sql += " ORDER BY e.sample_id";
      break;
    case EmbeddingOrder::Invalid:
      return makeError(ErrorCode::InvalidArgument, "read embeddings: no order given");
  }
  if (query.maxRows) sql += " LIMIT ?";
  SqliteStatement select(SqlAccess::handle(store), sql.c_str());
  select.bind(1, query.extractor);
  if (query.maxRows) select.bind(2, *query.maxRows);
  StoredEmbeddings stored;
  Status read = forEachRow(select, "read embeddings '" + query.extractor + "'", [&stored](const SqliteStatement& row) {
    EmbeddingRow embedding;
    embedding.sampleId = row.columnInt64(0);
    embedding.values = row.columnFloats(3, row.columnInt64(2));
    if (embedding.values.empty()) {
      stored.wrongSizeSampleIds.push_back(embedding.sampleId);
      return;
    }
    embedding.label = row.columnOptionalText(1);
    stored.rows.push_back(std::move(embedding));
  });
  if (!read) return read.error();
  return stored;
}

Result<std::set<std::int64_t>> samplesWithEmbedding(const ProjectStore& store, const std::string& extractor) {
  SqliteStatement select(SqlAccess::handle(store), "SELECT sample_id FROM embeddings WHERE extractor = ?");
  select.bind(1, extractor);
  return collectIdSet(select, "read embeddings");
}

Status putEmbeddings(ProjectStore& store, const std::string& extractor, const std::vector<std::int64_t>& sampleIds,
                     const std::vector<std::vector<float>>& vectors) {
  SqliteStatement insert(SqlAccess::handle(store),
                         "INSERT OR REPLACE INTO embeddings(sample_id, extractor, dimension, vector) "
                         "VALUES(?, ?, ?, ?)");
  for (std::size_t k = 0; k < sampleIds.size(); ++k) {
    insert.reset();
    insert.bind(1, sampleIds[k]);
    insert.bind(2, extractor);
    insert.bind(3, static_cast<std::int64_t>(vectors[k].size()));
    insert.bindBlob(4, vectors[k].data(), vectors[k].size() * sizeof(float));
    if (Status stored = stepToDone(insert, "store embedding"); !stored) return stored;
  }
  return okStatus();
}

}  // namespace winnow::store
