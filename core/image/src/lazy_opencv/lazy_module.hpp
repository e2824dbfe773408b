// OpenCV modules that winnow_core opens on first use instead of linking (issue 13: start-up).
//
// Why: libopencv_imgcodecs pulls in GDAL, OpenEXR, GDCM, libtiff and the HDF5/NetCDF stack, and
// libopencv_videoio pulls in FFmpeg and GStreamer: linked, they made the dynamic loader map about
// 250 shared objects and spend about 100 ms resolving them before main() on every `winnow`
// command, `--help` included. Core calls only three imgcodecs functions (imdecode, imencode, for
// WebP/BMP/TIFF/PNM input and PNG/JPEG output; JPEG, PNG and GIF input are decoded by libjpeg,
// libpng and giflib directly) and one class of videoio (VideoCapture, for video files). The shims
// in imgcodecs_shim.cpp and videoio_shim.cpp define exactly those symbols; each forwards to the real
// function in the library, opened here the first time any of them is called. A command that never
// decodes a video never loads videoio. Programs that also link the libraries themselves (tests,
// plugins) are unaffected: a shim then finds the library already loaded.
//
// Adding a call to another function of these modules in core fails to link (the module is not on
// the link line): add a shim for it beside the others.
#pragma once

namespace winnow::lazy_opencv {

enum class Module { Invalid = 0, Imgcodecs, Videoio };

// Address of `symbol` (a mangled name) in the module's shared library (its soname comes from CMake,
// so it follows the OpenCV found at build time), opened with RTLD_NOW | RTLD_LOCAL on the first
// call naming the module and kept open for the life of the process.
// The lookup searches that library and its dependencies only, so a shim never finds itself.
// Throws cv::Exception (which every caller of these OpenCV functions already catches) naming the
// library and the symbol when either cannot be found. Thread-safe.
void* moduleSymbol(Module module, const char* symbol);

// moduleSymbol as a function pointer; resolved once per call site (a function-local static).
template <typename Function>
Function moduleFunction(Module module, const char* symbol) {
  return reinterpret_cast<Function>(moduleSymbol(module, symbol));
}

}  // namespace winnow::lazy_opencv
