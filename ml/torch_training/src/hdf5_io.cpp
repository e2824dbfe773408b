#include "hdf5_io.hpp"

#include <filesystem>
#include <stdexcept>
#include <utility>

namespace winnow::training::hdf5 {
namespace {

herr_t innermostError(unsigned index, const H5E_error2_t* error, void* clientData) {
  auto* text = static_cast<std::string*>(clientData);
  if (index == 0 && error != nullptr && error->desc != nullptr) *text = error->desc;
  return 0;
}

std::string currentReason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermostError, &reason);
  H5Eclear2(H5E_DEFAULT);
  for (char& c : reason) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return reason.empty() ? std::string("HDF5 call failed") : reason;
}

Handle openDataset(hid_t location, const std::string& path) {
  if (!exists(location, path)) throw std::runtime_error(path + ": missing");
  return Handle(H5Dopen2(location, path.c_str(), H5P_DEFAULT), H5Dclose, "open " + path);
}

// H5Aread writes every element of the attribute: a one-value buffer needs a one-element
// attribute, else a crafted file overflows it (found by fuzz/fuzz_hdf5_dataset).
void requireSingleValue(hid_t attribute, const std::string& name) {
  Handle space(H5Aget_space(attribute), H5Sclose, "attribute " + name);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw std::runtime_error("attribute " + name + ": not a single value");
  }
}

template <typename T>
std::vector<T> readNumeric(hid_t location, const std::string& path, hid_t memType) {
  Handle dataset = openDataset(location, path);
  Handle space(H5Dget_space(dataset.get()), H5Sclose, path);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) fail(path + ": extent");
  std::vector<T> values(static_cast<std::size_t>(count));
  if (count > 0) {
    check(H5Dread(dataset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "read " + path);
  }
  return values;
}

}  // namespace

Handle openFileForReading(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error("no such file");
  silenceHdf5Errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw std::runtime_error("not an HDF5 file (corrupt or truncated?)");
  }
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open");
}

void silenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void fail(const std::string& what) { throw std::runtime_error(what + ": " + currentReason()); }

void check(herr_t result, const std::string& what) {
  if (result < 0) fail(what);
}

Handle::Handle(hid_t id, CloseFn close, const std::string& what) : id_(id), close_(close) {
  if (id_ < 0) fail(what);
}
Handle::~Handle() { reset(); }
Handle::Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    close_ = other.close_;
  }
  return *this;
}
void Handle::close(const std::string& what) {
  if (id_ < 0) return;
  const herr_t result = close_(std::exchange(id_, -1));
  check(result, what);
}
void Handle::reset() noexcept {
  if (id_ >= 0 && close_ != nullptr) close_(id_);
  id_ = -1;
}

bool exists(hid_t location, const std::string& path) {
  // Walk the path so that a missing intermediate group is "absent", not an error.
  std::size_t from = path[0] == '/' ? 1 : 0;
  while (true) {
    const std::size_t slash = path.find('/', from);
    const std::string prefix = path.substr(0, slash);
    if (H5Lexists(location, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) return true;
    from = slash + 1;
  }
}

std::vector<hsize_t> shapeOf(hid_t location, const std::string& path) {
  Handle dataset = openDataset(location, path);
  Handle space(H5Dget_space(dataset.get()), H5Sclose, path);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(path + ": rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::vector<std::uint8_t> readUint8(hid_t location, const std::string& path) {
  return readNumeric<std::uint8_t>(location, path, H5T_NATIVE_UINT8);
}
std::vector<std::int32_t> readInt32(hid_t location, const std::string& path) {
  return readNumeric<std::int32_t>(location, path, H5T_NATIVE_INT32);
}
std::vector<std::int64_t> readInt64(hid_t location, const std::string& path) {
  return readNumeric<std::int64_t>(location, path, H5T_NATIVE_INT64);
}
std::vector<float> readFloat(hid_t location, const std::string& path) {
  return readNumeric<float>(location, path, H5T_NATIVE_FLOAT);
}

std::vector<std::string> readStrings(hid_t location, const std::string& path) {
  Handle dataset = openDataset(location, path);
  Handle space(H5Dget_space(dataset.get()), H5Sclose, path);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) fail(path + ": extent");
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type");
  std::vector<char*> raw(static_cast<std::size_t>(count), nullptr);
  std::vector<std::string> values;
  if (count == 0) return values;
  check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
        "read " + path);
  values.reserve(raw.size());
  for (char* text : raw) values.emplace_back(text != nullptr ? text : "");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return values;
}

std::string readStringAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) throw std::runtime_error("attribute " + name + ": missing");
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  requireSingleValue(attribute.get(), name);
  Handle fileType(H5Aget_type(attribute.get()), H5Tclose, "attribute " + name);
  if (H5Tget_class(fileType.get()) != H5T_STRING) {
    throw std::runtime_error("attribute " + name + ": not a string");
  }
  if (H5Tis_variable_str(fileType.get()) > 0) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    check(H5Tset_size(type.get(), H5T_VARIABLE), "string type");
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type");
    char* text = nullptr;
    check(H5Aread(attribute.get(), type.get(), &text), "read attribute " + name);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(fileType.get());
  std::string value(size, '\0');
  check(H5Aread(attribute.get(), fileType.get(), value.data()), "read attribute " + name);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

std::int64_t readIntAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) throw std::runtime_error("attribute " + name + ": missing");
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  requireSingleValue(attribute.get(), name);
  std::int64_t value = 0;
  check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), "read attribute " + name);
  return value;
}

double readDoubleAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) throw std::runtime_error("attribute " + name + ": missing");
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  requireSingleValue(attribute.get(), name);
  double value = 0;
  check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), "read attribute " + name);
  return value;
}

Handle createGroup(hid_t location, const std::string& name) {
  Handle plist(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "link properties");
  check(H5Pset_create_intermediate_group(plist.get(), 1), "link properties");
  return Handle(H5Gcreate2(location, name.c_str(), plist.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Gclose, "create group " + name);
}

void writeFloat(hid_t location, const std::string& name, const std::vector<hsize_t>& shape,
                const float* values) {
  Handle plist(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "link properties");
  check(H5Pset_create_intermediate_group(plist.get(), 1), "link properties");
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose,
               name);
  Handle dataset(H5Dcreate2(location, name.c_str(), H5T_IEEE_F32LE, space.get(), plist.get(),
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose, "create " + name);
  check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
        "write " + name);
}

void writeInt64(hid_t location, const std::string& name, const std::vector<std::int64_t>& values) {
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, name);
  Handle dataset(H5Dcreate2(location, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose, "create " + name);
  if (!values.empty()) {
    check(H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write " + name);
  }
}

void writeStrings(hid_t location, const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type");
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, name);
  Handle dataset(H5Dcreate2(location, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose, "create " + name);
  std::vector<const char*> pointers;
  for (const auto& value : values) pointers.push_back(value.c_str());
  if (!values.empty()) {
    check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
          "write " + name);
  }
}

void writeStringAttribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, name);
  Handle attribute(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Aclose, "attribute " + name);
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &text), "write attribute " + name);
}

void writeIntAttribute(hid_t object, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, name);
  Handle attribute(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Aclose, "attribute " + name);
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), "write attribute " + name);
}

void writeDoubleAttribute(hid_t object, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, name);
  Handle attribute(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Aclose, "attribute " + name);
  check(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

}  // namespace winnow::training::hdf5
