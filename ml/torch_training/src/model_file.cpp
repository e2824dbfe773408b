#include "winnow/training/model_file.hpp"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <stdexcept>

#include "hdf5_io.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

std::string utcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

#if H5_VERSION_GE(1, 12, 0)
using LinkInfo = H5L_info2_t;
#define WINNOW_H5_LITERATE H5Literate2
#else
using LinkInfo = H5L_info_t;
#define WINNOW_H5_LITERATE H5Literate
#endif

herr_t collectName(hid_t /*group*/, const char* name, const LinkInfo* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

void writeTensor(hid_t group, const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
  std::vector<hsize_t> shape(cpu.sizes().begin(), cpu.sizes().end());
  if (cpu.scalar_type() == torch::kInt64) {
    hdf5::Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                                     : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                       H5Sclose, name);
    hdf5::Handle dataset(H5Dcreate2(group, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose, "create " + name);
    hdf5::check(H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, cpu.data_ptr<std::int64_t>()),
                "write " + name);
    return;
  }
  const torch::Tensor values = cpu.to(torch::kFloat32).contiguous();
  hdf5::Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                                   : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                     H5Sclose, name);
  hdf5::Handle dataset(H5Dcreate2(group, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose, "create " + name);
  hdf5::check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data_ptr<float>()),
              "write " + name);
}

torch::Tensor readTensor(hid_t group, const std::string& name) {
  hdf5::Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
  hdf5::Handle space(H5Dget_space(dataset.get()), H5Sclose, name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) hdf5::fail(name + ": rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<std::int64_t> sizes(dims.begin(), dims.end());
  hdf5::Handle type(H5Dget_type(dataset.get()), H5Tclose, name);
  const bool integer = H5Tget_class(type.get()) == H5T_INTEGER;
  torch::Tensor tensor = torch::empty(sizes, integer ? torch::kInt64 : torch::kFloat32);
  if (tensor.numel() > 0) {
    hdf5::check(H5Dread(dataset.get(), integer ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        tensor.data_ptr()),
                "read " + name);
  }
  return tensor;
}

}  // namespace

NamedTensors cpuCopy(const NamedTensors& state) {
  NamedTensors copy;
  for (const auto& [name, tensor] : state) copy[name] = tensor.detach().to(torch::kCPU).clone();
  return copy;
}

void writeModelFile(const fs::path& path, const ModelFile& model) {
  hdf5::silenceHdf5Errors();
  if (!std::isfinite(model.temperature) || model.temperature <= 0) {
    throw std::runtime_error(path.string() + ": temperature must be a finite number > 0");
  }
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  try {
    if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
    hdf5::Handle file(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create");
    hdf5::writeStringAttribute(file.get(), "format", "winnow-model");
    hdf5::writeIntAttribute(file.get(), "format_version", 1);
    hdf5::writeStringAttribute(file.get(), "architecture", model.spec.toJson().dump());
    hdf5::writeStringAttribute(file.get(), "preprocessing", model.preprocessing.dump());
    hdf5::writeStringAttribute(file.get(), "training", model.training.dump());
    hdf5::writeDoubleAttribute(file.get(), "temperature", model.temperature);
    hdf5::writeStringAttribute(file.get(), "created_at", utcNow());
    hdf5::writeStrings(file.get(), "class_names", model.classNames);
    if (!model.trainingContentHashes.empty()) {
      if (model.trainingSplits.size() != model.trainingContentHashes.size()) {
        throw std::runtime_error("training_data: hashes and splits differ in length");
      }
      hdf5::Handle group = hdf5::createGroup(file.get(), "training_data");
      hdf5::writeStrings(group.get(), "content_hash", model.trainingContentHashes);
      hdf5::writeInt64(group.get(), "split", model.trainingSplits);
    }
    {
      hdf5::Handle weights = hdf5::createGroup(file.get(), "weights");
      for (const auto& [name, tensor] : model.state) writeTensor(weights.get(), name, tensor);
    }
    file.close("close");
    fs::rename(temp, path);
  } catch (const std::exception& error) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw std::runtime_error(path.string() + ": " + error.what());
  }
}

ModelFile readModelFile(const fs::path& path) {
  const std::string prefix = path.string() + ": ";
  try {
    hdf5::Handle file = hdf5::openFileForReading(path.string());
    if (H5Aexists(file.get(), "format") <= 0 || hdf5::readStringAttribute(file.get(), "format") != "winnow-model") {
      throw std::runtime_error("not a winnow model (root attribute format != \"winnow-model\")");
    }
    if (hdf5::readIntAttribute(file.get(), "format_version") != 1) {
      throw std::runtime_error("unsupported format_version (1 is supported)");
    }
    ModelFile model;
    model.spec = NetSpec::fromJson(nlohmann::json::parse(hdf5::readStringAttribute(file.get(), "architecture")));
    model.preprocessing = nlohmann::json::parse(hdf5::readStringAttribute(file.get(), "preprocessing"));
    model.training = nlohmann::json::parse(hdf5::readStringAttribute(file.get(), "training"));
    model.classNames = hdf5::readStrings(file.get(), "class_names");
    // Absent in files written before calibration existed: their probabilities were plain softmax.
    if (H5Aexists(file.get(), "temperature") > 0) {
      model.temperature = hdf5::readDoubleAttribute(file.get(), "temperature");
      if (!std::isfinite(model.temperature) || model.temperature <= 0) {
        throw std::runtime_error("attribute temperature must be a finite number > 0");
      }
    }
    if (static_cast<std::int64_t>(model.classNames.size()) != model.spec.classCount) {
      throw std::runtime_error("class_names has " + std::to_string(model.classNames.size()) + " entries, architecture says " +
                               std::to_string(model.spec.classCount));
    }
    if (hdf5::exists(file.get(), "training_data/content_hash") && hdf5::exists(file.get(), "training_data/split")) {
      model.trainingContentHashes = hdf5::readStrings(file.get(), "training_data/content_hash");
      model.trainingSplits = hdf5::readInt64(file.get(), "training_data/split");
      if (model.trainingSplits.size() != model.trainingContentHashes.size()) {
        throw std::runtime_error("/training_data: content_hash and split differ in length");
      }
    }
    hdf5::Handle weights(H5Gopen2(file.get(), "weights", H5P_DEFAULT), H5Gclose, "open /weights");
    std::vector<std::string> names;
    hdf5::check(WINNOW_H5_LITERATE(weights.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collectName, &names), "list /weights");
    for (const auto& name : names) model.state[name] = readTensor(weights.get(), name);
    return model;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(prefix + "bad JSON attribute: " + error.what());
  } catch (const std::exception& error) {
    throw std::runtime_error(prefix + error.what());
  }
}

std::shared_ptr<ClassifierNet> instantiateModel(const ModelFile& model, torch::Device device) {
  auto net = std::make_shared<ClassifierNet>(model.spec, device);
  net->loadNamedState(model.state);
  net->eval();
  return net;
}

}  // namespace winnow::training
