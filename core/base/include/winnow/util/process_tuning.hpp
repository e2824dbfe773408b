// Process-wide settings for image work, applied by the programs' mains (never by the library on
// its own: they change the whole process).
#pragma once

namespace winnow {

// glibc's allocator hands every block of 128 KiB or more (a decoded picture, a file's bytes, an
// OpenCV buffer) back to the kernel on free and takes it again with fresh pages on the next
// allocation; on these virtual machines the page faults cost more than decoding a 300 px JPEG
// (measured: ingest of realfake/hard 460 -> 730 files/s). Keeps blocks below 64 MiB in the heap
// and trims it above 256 MiB free (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD). Call before threads start.
void tuneAllocatorForImageWork();

}  // namespace winnow
