// The imgcodecs functions winnow_core calls, defined here and forwarded to libopencv_imgcodecs,
// which is opened on the first call (see lazy_module.hpp for why). The definitions are checked
// against OpenCV's declarations by the compiler; the mangled names are the ones those
// declarations produce (a wrong one fails at the first call with a cv::Exception naming it).
#include <opencv2/imgcodecs.hpp>

#include "lazy_opencv/lazy_module.hpp"

namespace lazy = winnow::lazy_opencv;

cv::Mat cv::imdecode(cv::InputArray buf, int flags) {
  using Function = cv::Mat (*)(cv::InputArray, int);
  static const auto real =
      lazy::moduleFunction<Function>(lazy::Module::Imgcodecs, "_ZN2cv8imdecodeERKNS_11_InputArrayEi");
  return real(buf, flags);
}

cv::Mat cv::imdecode(cv::InputArray buf, int flags, cv::Mat* dst) {
  using Function = cv::Mat (*)(cv::InputArray, int, cv::Mat*);
  static const auto real =
      lazy::moduleFunction<Function>(lazy::Module::Imgcodecs, "_ZN2cv8imdecodeERKNS_11_InputArrayEiPNS_3MatE");
  return real(buf, flags, dst);
}

bool cv::imencode(const cv::String& ext, cv::InputArray img, std::vector<uchar>& buf,
                  const std::vector<int>& params) {
  using Function = bool (*)(const cv::String&, cv::InputArray, std::vector<uchar>&, const std::vector<int>&);
  static const auto real = lazy::moduleFunction<Function>(
      lazy::Module::Imgcodecs,
      "_ZN2cv8imencodeERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_11_InputArrayERSt6vectorIhSaIhEERKSB_IiSaIiEE");
  return real(ext, img, buf, params);
}
