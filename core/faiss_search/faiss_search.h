/* The C function libwinnow_faiss_search exports (see faiss_search.cpp). rows: count unit vectors
 * of `dimension` floats, row-major. Calls emit(context, a, b) for every pair a < b whose inner
 * product is above radius as FAISS finds it: exact (IndexFlatIP) when lists is 0, else an
 * inverted file of `lists` lists with `probes` probed. Returns 0, or 1 with a one-line message in
 * error. Never throws. */
#ifndef WINNOW_FAISS_SEARCH_H
#define WINNOW_FAISS_SEARCH_H
#ifdef __cplusplus
extern "C" {
#endif
typedef int (*winnow_faiss_range_pairs_fn)(const float* rows, long long count, int dimension, float radius,
                                          unsigned lists, unsigned probes,
                                          void (*emit)(void* context, long long a, long long b), void* context,
                                          char* error, unsigned long errorSize);
#define WINNOW_FAISS_SEARCH_LIBRARY "libwinnow_faiss_search.so"
#ifdef __cplusplus
}
#endif
#endif
