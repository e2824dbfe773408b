// The videoio symbols winnow_core uses (cv::VideoCapture in image/video_reader.cpp, and
// videoio_registry::hasBackend), defined here and forwarded to libopencv_videoio, which is opened
// the first time one is called: video support is loaded only when a video is read (see
// lazy_module.hpp for why).
//
// VideoCapture's members cannot be defined in C++ outside OpenCV (its constructor would need the
// class's vtable, which lives in the library), so each one is a plain function given the member's
// mangled name with an asm label, taking `this` as its first argument as the Itanium C++ ABI
// passes it; each forwards to the same symbol in the library. The label and the looked-up name
// come from one macro per member. A label that differs from the name callers use fails to link
// (videoio is not on the link line), so only the argument types rest on this file: they follow the
// declarations in <opencv2/videoio.hpp> (OpenCV 4), which callers compile against.
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include "lazy_opencv/lazy_module.hpp"

namespace lazy = winnow::lazy_opencv;

#define WINNOW_CAPTURE_CONSTRUCTOR "_ZN2cv12VideoCaptureC1Ev"
#define WINNOW_CAPTURE_DESTRUCTOR "_ZN2cv12VideoCaptureD1Ev"
#define WINNOW_CAPTURE_OPEN \
  "_ZN2cv12VideoCapture4openERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEi"
#define WINNOW_CAPTURE_GRAB "_ZN2cv12VideoCapture4grabEv"
#define WINNOW_CAPTURE_RETRIEVE "_ZN2cv12VideoCapture8retrieveERKNS_12_OutputArrayEi"
#define WINNOW_CAPTURE_GET "_ZNK2cv12VideoCapture3getEi"

namespace winnow::lazy_opencv::videoio_shim {

// cv::VideoCapture::VideoCapture()
void construct(cv::VideoCapture* self) __asm__(WINNOW_CAPTURE_CONSTRUCTOR);
// cv::VideoCapture::~VideoCapture() (the complete-object destructor; the vtable's deleting one
// stays the library's)
void destroy(cv::VideoCapture* self) __asm__(WINNOW_CAPTURE_DESTRUCTOR);
// bool cv::VideoCapture::open(const String& filename, int apiPreference)
bool open(cv::VideoCapture* self, const cv::String& filename, int apiPreference) __asm__(WINNOW_CAPTURE_OPEN);
// bool cv::VideoCapture::grab()
bool grab(cv::VideoCapture* self) __asm__(WINNOW_CAPTURE_GRAB);
// bool cv::VideoCapture::retrieve(OutputArray image, int flag)
bool retrieve(cv::VideoCapture* self, cv::OutputArray image, int flag) __asm__(WINNOW_CAPTURE_RETRIEVE);
// double cv::VideoCapture::get(int propId) const
double get(const cv::VideoCapture* self, int propId) __asm__(WINNOW_CAPTURE_GET);

void construct(cv::VideoCapture* self) {
  static const auto real = lazy::moduleFunction<void (*)(cv::VideoCapture*)>(lazy::Module::Videoio, WINNOW_CAPTURE_CONSTRUCTOR);
  real(self);
}

void destroy(cv::VideoCapture* self) {
  static const auto real = lazy::moduleFunction<void (*)(cv::VideoCapture*)>(lazy::Module::Videoio, WINNOW_CAPTURE_DESTRUCTOR);
  real(self);
}

bool open(cv::VideoCapture* self, const cv::String& filename, int apiPreference) {
  static const auto real = lazy::moduleFunction<bool (*)(cv::VideoCapture*, const cv::String&, int)>(
      lazy::Module::Videoio, WINNOW_CAPTURE_OPEN);
  return real(self, filename, apiPreference);
}

bool grab(cv::VideoCapture* self) {
  static const auto real = lazy::moduleFunction<bool (*)(cv::VideoCapture*)>(lazy::Module::Videoio, WINNOW_CAPTURE_GRAB);
  return real(self);
}

bool retrieve(cv::VideoCapture* self, cv::OutputArray image, int flag) {
  static const auto real = lazy::moduleFunction<bool (*)(cv::VideoCapture*, cv::OutputArray, int)>(
      lazy::Module::Videoio, WINNOW_CAPTURE_RETRIEVE);
  return real(self, image, flag);
}

double get(const cv::VideoCapture* self, int propId) {
  static const auto real = lazy::moduleFunction<double (*)(const cv::VideoCapture*, int)>(
      lazy::Module::Videoio, WINNOW_CAPTURE_GET);
  return real(self, propId);
}

}  // namespace winnow::lazy_opencv::videoio_shim

bool cv::videoio_registry::hasBackend(cv::VideoCaptureAPIs api) {
  using Function = bool (*)(cv::VideoCaptureAPIs);
  static const auto real = lazy::moduleFunction<Function>(
      lazy::Module::Videoio, "_ZN2cv16videoio_registry10hasBackendENS_16VideoCaptureAPIsE");
  return real(api);
}
