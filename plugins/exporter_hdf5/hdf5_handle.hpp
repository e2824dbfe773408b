// Hdf5Handle: owns one HDF5 identifier (file, dataset, dataspace, type, property list, group,
// attribute) and closes it exactly once. Plus the few typed write helpers the dataset writer
// needs. Every failing HDF5 call becomes an sdk::Failure whose one-line message names the
// object and HDF5's innermost reason (automatic error-stack printing is switched off, see
// silenceHdf5Errors).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace winnow::exporter_hdf5 {

// Turns off HDF5's automatic printing of its error stack for the calling thread (the stack is
// per thread in a thread-safe HDF5 build). Call at the start of every exporter entry point.
void silenceHdf5Errors();

// Throws sdk::Failure (WINNOW_STATUS_ERROR): "hdf5 exporter: <what>: <HDF5 reason>".
[[noreturn]] void throwHdf5Failure(const std::string& what);

// Checks an herr_t / htri_t style result (negative = failure).
void checkHdf5(herr_t result, const std::string& what);

class Hdf5Handle {
 public:
  using CloseFn = herr_t (*)(hid_t);

  Hdf5Handle() = default;
  // Takes ownership of `id`; throws sdk::Failure naming `what` when id is negative.
  Hdf5Handle(hid_t id, CloseFn close, const std::string& what);
  ~Hdf5Handle();

  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;
  Hdf5Handle(Hdf5Handle&& other) noexcept;
  Hdf5Handle& operator=(Hdf5Handle&& other) noexcept;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Closes now and reports a failure (used for the file, whose close flushes data).
  void close(const std::string& what);
  // Closes, ignoring failures (cleanup paths).
  void reset() noexcept;

 private:
  hid_t id_ = -1;
  CloseFn close_ = nullptr;
};

// A variable-length UTF-8 string datatype.
Hdf5Handle makeUtf8StringType();

// Writes a 1-D dataset `name` under `location` (contiguous layout; N may be 0).
void writeInt32Dataset(hid_t location, const char* name, const std::vector<int32_t>& values);
void writeInt64Dataset(hid_t location, const char* name, const std::vector<int64_t>& values);
void writeUint8Dataset(hid_t location, const char* name, const std::vector<uint8_t>& values);
// [rows, 2] int32 dataset from row-major pairs (values.size() == 2 * rows).
void writeInt32PairDataset(hid_t location, const char* name, const std::vector<int32_t>& values);
// 1-D dataset of variable-length UTF-8 strings.
void writeStringDataset(hid_t location, const char* name, const std::vector<std::string>& values);

// Attributes on `object`: scalar variable-length UTF-8 string, scalar int32, 1-D string array.
void writeStringAttribute(hid_t object, const char* name, const std::string& value);
void writeInt32Attribute(hid_t object, const char* name, int32_t value);
void writeStringArrayAttribute(hid_t object, const char* name,
                               const std::vector<std::string>& values);

}  // namespace winnow::exporter_hdf5
