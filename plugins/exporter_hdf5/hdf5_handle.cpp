#include "hdf5_handle.hpp"

#include <utility>

#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_hdf5 {
namespace {

// Collects the description of the innermost HDF5 error (the first one of an upward walk).
herr_t innermostError(unsigned index, const H5E_error2_t* error, void* clientData) {
  auto* text = static_cast<std::string*>(clientData);
  if (index == 0 && error != nullptr && error->desc != nullptr) {
    *text = error->desc;
  }
  return 0;
}

std::string currentHdf5Reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermostError, &reason);
  H5Eclear2(H5E_DEFAULT);
  for (char& c : reason) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return reason.empty() ? std::string("HDF5 call failed") : reason;
}

template <typename T>
void writeNumeric1D(hid_t location, const char* name, const std::vector<T>& values,
                    hid_t fileType, hid_t memType) {
  const hsize_t dims[1] = {static_cast<hsize_t>(values.size())};
  Hdf5Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, std::string("/") + name);
  Hdf5Handle dataset(H5Dcreate2(location, name, fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT),
                     H5Dclose, std::string("create ") + name);
  if (!values.empty()) {
    checkHdf5(H5Dwrite(dataset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              std::string("write ") + name);
  }
}

std::vector<const char*> cStrings(const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& value : values) pointers.push_back(value.c_str());
  return pointers;
}

}  // namespace

void silenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void throwHdf5Failure(const std::string& what) {
  throw sdk::Failure(WINNOW_STATUS_ERROR, "hdf5 exporter: " + what + ": " + currentHdf5Reason());
}

void checkHdf5(herr_t result, const std::string& what) {
  if (result < 0) throwHdf5Failure(what);
}

Hdf5Handle::Hdf5Handle(hid_t id, CloseFn close, const std::string& what) : id_(id), close_(close) {
  if (id_ < 0) throwHdf5Failure(what);
}

Hdf5Handle::~Hdf5Handle() { reset(); }

Hdf5Handle::Hdf5Handle(Hdf5Handle&& other) noexcept
    : id_(std::exchange(other.id_, -1)), close_(other.close_) {}

Hdf5Handle& Hdf5Handle::operator=(Hdf5Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    close_ = other.close_;
  }
  return *this;
}

void Hdf5Handle::close(const std::string& what) {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, -1);
  checkHdf5(close_(id), what);
}

void Hdf5Handle::reset() noexcept {
  if (id_ >= 0 && close_ != nullptr) {
    close_(id_);
    H5Eclear2(H5E_DEFAULT);
  }
  id_ = -1;
}

Hdf5Handle makeUtf8StringType() {
  Hdf5Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  checkHdf5(H5Tset_size(type.get(), H5T_VARIABLE), "string type size");
  checkHdf5(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type charset");
  return type;
}

void writeInt32Dataset(hid_t location, const char* name, const std::vector<int32_t>& values) {
  writeNumeric1D(location, name, values, H5T_STD_I32LE, H5T_NATIVE_INT32);
}

void writeInt64Dataset(hid_t location, const char* name, const std::vector<int64_t>& values) {
  writeNumeric1D(location, name, values, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

void writeUint8Dataset(hid_t location, const char* name, const std::vector<uint8_t>& values) {
  writeNumeric1D(location, name, values, H5T_STD_U8LE, H5T_NATIVE_UINT8);
}

void writeInt32PairDataset(hid_t location, const char* name, const std::vector<int32_t>& values) {
  const hsize_t dims[2] = {static_cast<hsize_t>(values.size() / 2), 2};
  Hdf5Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose, std::string("/") + name);
  Hdf5Handle dataset(H5Dcreate2(location, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose, std::string("create ") + name);
  if (!values.empty()) {
    checkHdf5(H5Dwrite(dataset.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       values.data()),
              std::string("write ") + name);
  }
}

void writeStringDataset(hid_t location, const char* name, const std::vector<std::string>& values) {
  const Hdf5Handle type = makeUtf8StringType();
  const hsize_t dims[1] = {static_cast<hsize_t>(values.size())};
  Hdf5Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, std::string("/") + name);
  Hdf5Handle dataset(H5Dcreate2(location, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT),
                     H5Dclose, std::string("create ") + name);
  if (!values.empty()) {
    const auto pointers = cStrings(values);
    checkHdf5(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
              std::string("write ") + name);
  }
}

void writeStringAttribute(hid_t object, const char* name, const std::string& value) {
  const Hdf5Handle type = makeUtf8StringType();
  Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose, std::string("attribute ") + name);
  Hdf5Handle attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose, std::string("create attribute ") + name);
  const char* pointer = value.c_str();
  checkHdf5(H5Awrite(attribute.get(), type.get(), &pointer),
            std::string("write attribute ") + name);
}

void writeInt32Attribute(hid_t object, const char* name, int32_t value) {
  Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose, std::string("attribute ") + name);
  Hdf5Handle attribute(
      H5Acreate2(object, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      std::string("create attribute ") + name);
  checkHdf5(H5Awrite(attribute.get(), H5T_NATIVE_INT32, &value),
            std::string("write attribute ") + name);
}

void writeStringArrayAttribute(hid_t object, const char* name,
                               const std::vector<std::string>& values) {
  const Hdf5Handle type = makeUtf8StringType();
  const hsize_t dims[1] = {static_cast<hsize_t>(values.size())};
  Hdf5Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose,
                   std::string("attribute ") + name);
  Hdf5Handle attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose, std::string("create attribute ") + name);
  const auto pointers = cStrings(values);
  checkHdf5(H5Awrite(attribute.get(), type.get(), pointers.data()),
            std::string("write attribute ") + name);
}

}  // namespace winnow::exporter_hdf5
