// OpenCV's own thread pool off for the lifetime of a scope, for loops that run one picture per
// winnow worker. Includes OpenCV: a target that includes it links opencv_core itself.
#pragma once

#include <opencv2/core/utility.hpp>

namespace winnow::image {

// Loops that run one picture per winnow worker (ingest, hashing, measuring) call OpenCV on small
// pictures from every worker at once; OpenCV's pool would then split each resize or colour
// conversion again over all cores, and waking its threads costs more than the work (measured:
// ingest's working image 784 -> 165 us per 300 px picture). The previous setting is restored on
// destruction, so a detector plugin that sizes the pool later gets what it asks for. Not thread
// safe: OpenCV's thread count is process-wide; create it on the thread that starts the loop.
class SerialOpenCv {
 public:
  SerialOpenCv() : previous_(cv::getNumThreads()) { cv::setNumThreads(1); }
  ~SerialOpenCv() { cv::setNumThreads(previous_); }
  SerialOpenCv(const SerialOpenCv&) = delete;
  SerialOpenCv& operator=(const SerialOpenCv&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace winnow::image
