// Small RAII and typed read/write helpers over the HDF5 C API for the training library. Every
// failure throws std::runtime_error "<what>: <HDF5's innermost reason>"; callers prefix the file.
// HDF5's automatic error printing is switched off per thread by silenceHdf5Errors().
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace winnow::training::hdf5 {

void silenceHdf5Errors();
[[noreturn]] void fail(const std::string& what);
void check(herr_t result, const std::string& what);

class Handle {
 public:
  using CloseFn = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, CloseFn close, const std::string& what);  // throws when id < 0
  ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  hid_t get() const { return id_; }
  void close(const std::string& what);  // closes now, reporting failure (flushes files)

 private:
  void reset() noexcept;
  hid_t id_ = -1;
  CloseFn close_ = nullptr;
};

// Opens an existing HDF5 file read-only. Throws "no such file" or "not an HDF5 file (corrupt or
// truncated?)" (callers prefix the path) before HDF5 is asked to open it, so those stay plain.
Handle openFileForReading(const std::string& path);

bool exists(hid_t location, const std::string& path);
// Shape of a dataset.
std::vector<hsize_t> shapeOf(hid_t location, const std::string& path);
// Whole-dataset reads converted to the requested memory type.
std::vector<std::uint8_t> readUint8(hid_t location, const std::string& path);
std::vector<std::int32_t> readInt32(hid_t location, const std::string& path);
std::vector<std::int64_t> readInt64(hid_t location, const std::string& path);
std::vector<float> readFloat(hid_t location, const std::string& path);
std::vector<std::string> readStrings(hid_t location, const std::string& path);
std::string readStringAttribute(hid_t object, const std::string& name);
std::int64_t readIntAttribute(hid_t object, const std::string& name);
double readDoubleAttribute(hid_t object, const std::string& name);

Handle createGroup(hid_t location, const std::string& name);
void writeFloat(hid_t location, const std::string& name, const std::vector<hsize_t>& shape,
                const float* values);
void writeInt64(hid_t location, const std::string& name, const std::vector<std::int64_t>& values);
void writeStrings(hid_t location, const std::string& name, const std::vector<std::string>& values);
void writeStringAttribute(hid_t object, const std::string& name, const std::string& value);
void writeIntAttribute(hid_t object, const std::string& name, std::int64_t value);
void writeDoubleAttribute(hid_t object, const std::string& name, double value);

}  // namespace winnow::training::hdf5
