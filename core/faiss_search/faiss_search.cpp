// libwinnow_faiss_search: FAISS behind a small C function, opened by winnow_core on the first
// embedding search (core/src/dedupe/embedding_pairs.cpp). Kept out of winnow_core's link because
// FAISS brings OpenMP, BLAS and LAPACK, whose loading and initialisation tripled the start-up of
// every command (17 -> 60 ms for `winnow --help`), also of commands that never search embeddings.
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/AuxIndexStructures.h>

#include <cstdio>
#include <exception>
#include <memory>

#include "faiss_search.h"

extern "C" __attribute__((visibility("default"))) int winnow_faiss_range_pairs(
    const float* rows, long long count, int dimension, float radius, unsigned lists, unsigned probes,
    void (*emit)(void* context, long long a, long long b), void* context, char* error, unsigned long errorSize) {
  try {
    using Id = faiss::Index::idx_t;
    const auto n = static_cast<Id>(count);
    faiss::RangeSearchResult found(n);
    faiss::IndexFlatIP flat(dimension);
    std::unique_ptr<faiss::IndexIVFFlat> ivf;
    if (lists > 0) {
      ivf = std::make_unique<faiss::IndexIVFFlat>(&flat, dimension, lists, faiss::METRIC_INNER_PRODUCT);
      ivf->cp.seed = 1234;  // reproducible lists
      ivf->train(n, rows);
      ivf->add(n, rows);
      ivf->nprobe = probes;
      ivf->range_search(n, rows, radius, &found);
    } else {
      flat.add(n, rows);
      flat.range_search(n, rows, radius, &found);
    }
    for (Id query = 0; query < n; ++query) {
      for (std::size_t r = found.lims[query]; r < found.lims[query + 1]; ++r) {
        const Id other = found.labels[r];
        if (other > query) emit(context, query, other);
      }
    }
    return 0;
  } catch (const std::exception& failure) {
    std::snprintf(error, errorSize, "FAISS: %s", failure.what());
  } catch (...) {
    std::snprintf(error, errorSize, "FAISS: unknown error");
  }
  return 1;
}
