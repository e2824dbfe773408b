#include "winnow/util/process_tuning.hpp"

#include <malloc.h>

namespace winnow {

void tuneAllocatorForImageWork() {
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

}  // namespace winnow
