#include "lazy_opencv/lazy_module.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

#include <opencv2/core.hpp>

namespace winnow::lazy_opencv {

namespace {

const char* sonameOf(Module module) {
  switch (module) {
    case Module::Imgcodecs: return WINNOW_OPENCV_IMGCODECS_SONAME;
    case Module::Videoio: return WINNOW_OPENCV_VIDEOIO_SONAME;
    case Module::Invalid: break;
  }
  return "(invalid module)";
}

}  // namespace

void* moduleSymbol(Module module, const char* symbol) {
  static std::mutex mutex;
  static std::map<Module, void*> handles;  // never closed: the functions stay callable
  const char* soname = sonameOf(module);
  std::lock_guard<std::mutex> lock(mutex);
  void*& handle = handles[module];
  if (handle == nullptr) {
    handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = ::dlerror();
      CV_Error(cv::Error::StsError, std::string("cannot load ") + soname + ": " +
                                        (reason != nullptr ? reason : "unknown dlopen error"));
    }
  }
  ::dlerror();
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) {
    const char* reason = ::dlerror();
    CV_Error(cv::Error::StsError, std::string("cannot find ") + symbol + " in " + soname + ": " +
                                      (reason != nullptr ? reason : "null symbol"));
  }
  return address;
}

}  // namespace winnow::lazy_opencv
