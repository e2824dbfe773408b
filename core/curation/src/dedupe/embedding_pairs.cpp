#include "winnow/dedupe/embedding_pairs.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

#include "faiss_search.h"
#include "winnow/util/executable_path.hpp"

namespace winnow::dedupe {

namespace {

// Unit rows, row-major; zero vectors stay zero and are flagged (they never pair).
std::vector<float> normalisedRows(const std::vector<std::vector<float>>& vectors, std::size_t dimension,
                                  std::vector<bool>& zero) {
  std::vector<float> rows(vectors.size() * dimension, 0.0F);
  zero.assign(vectors.size(), false);
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    double norm = 0.0;
    for (float v : vectors[i]) norm += static_cast<double>(v) * v;
    norm = std::sqrt(norm);
    if (norm <= 0.0) {
      zero[i] = true;
      continue;
    }
    for (std::size_t k = 0; k < dimension; ++k) rows[i * dimension + k] = static_cast<float>(vectors[i][k] / norm);
  }
  return rows;
}

double dot(const float* a, const float* b, std::size_t dimension) {
  double sum = 0.0;
  for (std::size_t k = 0; k < dimension; ++k) sum += static_cast<double>(a[k]) * b[k];
  return sum;
}

// libwinnow_faiss_search, opened once (never closed): <winnow executable>/../lib/winnow/, then the
// install folder. Throws std::runtime_error naming what was tried.
winnow_faiss_range_pairs_fn faissRangePairs() {
  static std::mutex mutex;
  static winnow_faiss_range_pairs_fn function = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (function != nullptr) return function;
  std::vector<std::filesystem::path> candidates;
  if (auto exeDir = winnow::executableDirectory(); !exeDir.empty()) {
    candidates.push_back(exeDir / ".." / "lib" / "winnow" / WINNOW_FAISS_SEARCH_LIBRARY);
  }
  candidates.push_back(std::filesystem::path(WINNOW_INSTALL_LIB_DIR) / "winnow" / WINNOW_FAISS_SEARCH_LIBRARY);
  std::string tried;
  for (const auto& candidate : candidates) {
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = ::dlerror();
      tried += (tried.empty() ? "" : "; ") + candidate.lexically_normal().string() + ": " + (reason != nullptr ? reason : "?");
      continue;
    }
    function = reinterpret_cast<winnow_faiss_range_pairs_fn>(::dlsym(handle, "winnow_faiss_range_pairs"));
    if (function != nullptr) return function;
    tried += (tried.empty() ? "" : "; ") + candidate.string() + ": no winnow_faiss_range_pairs";
  }
  throw std::runtime_error(std::string("embedding search unavailable: cannot load ") + WINNOW_FAISS_SEARCH_LIBRARY + " (" + tried + ")");
}

}  // namespace

IvfSettings ivfSettingsFor(std::size_t count) {
  IvfSettings settings;
  // FAISS's guidance: 4-16 sqrt(n) lists, at least 39 training points per list.
  const auto byRoot = static_cast<std::size_t>(4.0 * std::sqrt(static_cast<double>(count)));
  settings.lists = std::max<std::size_t>(1, std::min(byRoot, count / 39));
  settings.probes = std::min<std::size_t>(settings.lists, 32);
  return settings;
}

std::vector<EmbeddingPair> cosinePairs(const std::vector<std::vector<float>>& vectors, double minCosine,
                                       bool forceApproximate) {
  if (vectors.size() < 2 || vectors.front().empty()) return {};
  const std::size_t dimension = vectors.front().size();
  for (const auto& v : vectors) {
    if (v.size() != dimension) return {};
  }
  std::vector<bool> zero;
  const std::vector<float> rows = normalisedRows(vectors, dimension, zero);
  const bool approximate = forceApproximate || vectors.size() > kExactEmbeddingLimit;
  const IvfSettings settings = approximate ? ivfSettingsFor(vectors.size()) : IvfSettings{0, 0};
  struct Collected {
    const std::vector<float>* rows;
    const std::vector<bool>* zero;
    std::size_t dimension;
    double minCosine;
    std::vector<EmbeddingPair> pairs;
  } collected{&rows, &zero, dimension, minCosine, {}};
  char error[512] = {0};
  // Range search keeps similarities above the radius: a hair below the threshold, and the exact
  // check in emit decides (>= minCosine, as documented).
  const int status = faissRangePairs()(
      rows.data(), static_cast<long long>(vectors.size()), static_cast<int>(dimension), static_cast<float>(minCosine - 1e-6),
      static_cast<unsigned>(settings.lists), static_cast<unsigned>(settings.probes),
      [](void* context, long long a, long long b) {
        auto& c = *static_cast<Collected*>(context);
        const auto i = static_cast<std::size_t>(a), j = static_cast<std::size_t>(b);
        if ((*c.zero)[i] || (*c.zero)[j]) return;
        const double cosine = dot(&(*c.rows)[i * c.dimension], &(*c.rows)[j * c.dimension], c.dimension);
        if (cosine >= c.minCosine) c.pairs.push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), cosine});
      },
      &collected, error, sizeof error);
  if (status != 0) throw std::runtime_error(std::string("embedding search failed: ") + error);
  std::sort(collected.pairs.begin(), collected.pairs.end(), [](const EmbeddingPair& l, const EmbeddingPair& r) {
    return l.a != r.a ? l.a < r.a : l.b < r.b;
  });
  return std::move(collected.pairs);
}

}  // namespace winnow::dedupe
