// The `.pth` reader on archives built here byte by byte (no Python needed): a minimal valid state
// dict, and broken files that must fail with one clear line naming the file and the reason.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/torchvision/models.hpp"
#include "winnow/torchvision/state_dict.hpp"

namespace winnow::torchvision {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

void putLittle(std::string& out, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

// A zip archive whose entries are stored with compression method `method` (0: stored). CRCs are
// left zero: the reader does not check them (torch.save's own archives carry real ones).
std::string makeZip(const Entries& entries, std::uint16_t method = 0) {
  std::string archive, directory;
  for (const auto& [name, data] : entries) {
    const std::uint64_t offset = archive.size();
    putLittle(archive, 0x04034b50, 4);
    putLittle(archive, 20, 2);           // version needed
    putLittle(archive, 0, 2);            // flags
    putLittle(archive, method, 2);
    putLittle(archive, 0, 4);            // time, date
    putLittle(archive, 0, 4);            // crc
    putLittle(archive, data.size(), 4);  // compressed size
    putLittle(archive, data.size(), 4);  // size
    putLittle(archive, name.size(), 2);
    putLittle(archive, 0, 2);            // extra length
    archive += name + data;
    putLittle(directory, 0x02014b50, 4);
    putLittle(directory, 20, 2);  // version made by
    putLittle(directory, 20, 2);  // version needed
    putLittle(directory, 0, 2);
    putLittle(directory, method, 2);
    putLittle(directory, 0, 4);
    putLittle(directory, 0, 4);
    putLittle(directory, data.size(), 4);
    putLittle(directory, data.size(), 4);
    putLittle(directory, name.size(), 2);
    putLittle(directory, 0, 2);  // extra
    putLittle(directory, 0, 2);  // comment
    putLittle(directory, 0, 2);  // disk
    putLittle(directory, 0, 2);  // internal attributes
    putLittle(directory, 0, 4);  // external attributes
    putLittle(directory, offset, 4);
    directory += name;
  }
  const std::uint64_t directoryOffset = archive.size();
  archive += directory;
  putLittle(archive, 0x06054b50, 4);
  putLittle(archive, 0, 4);  // disk numbers
  putLittle(archive, entries.size(), 2);
  putLittle(archive, entries.size(), 2);
  putLittle(archive, directory.size(), 4);
  putLittle(archive, directoryOffset, 4);
  putLittle(archive, 0, 2);  // comment length
  return archive;
}

std::string unicode(const std::string& text) {  // pickle BINUNICODE
  std::string out = "X";
  putLittle(out, text.size(), 4);
  return out + text;
}

// The pickle torch.save writes for OrderedDict{"w": float tensor of shape [2] in storage "0"},
// in protocol 2 (without memo opcodes, which the reader also handles).
std::string tensorDictPickle() {
  std::string pickle = "\x80\x02";
  pickle += "ccollections\nOrderedDict\n)R";  // the dict
  pickle += "(" + unicode("w");
  pickle += "ctorch._utils\n_rebuild_tensor_v2\n(";
  pickle += "(" + unicode("storage") + "ctorch\nFloatStorage\n" + unicode("0") + unicode("cpu") + "K\x02tQ";
  pickle += std::string("K\x00", 2) + "K\x02\x85" + "K\x01\x85" + "\x89";  // offset, size, stride, grad
  pickle += "ccollections\nOrderedDict\n)R";                             // backward hooks
  pickle += "tR";
  pickle += "u";                     // SETITEMS
  pickle += "}" + unicode("_metadata") + "}s" + "b";  // BUILD with a state, as OrderedDict has
  pickle += ".";
  return pickle;
}

std::string floatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

std::filesystem::path writeFile(const test::TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// Runs loadStateDict and returns its error message ("" when it succeeded).
std::string loadError(const std::filesystem::path& path) {
  try {
    loadStateDict(path);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(TorchvisionStateDict, ReadsAHandMadeArchive) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "tiny.pth",
                              makeZip({{"tiny/data.pkl", tensorDictPickle()},
                                       {"tiny/byteorder", "little"},
                                       {"tiny/data/0", floatBytes({1.5F, -2.0F})},
                                       {"tiny/version", "3\n"}}));
  const StateDict state = loadStateDict(path);
  ASSERT_EQ(state.size(), 1U);
  const torch::Tensor& w = state.at("w");
  EXPECT_EQ(w.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(w, torch::tensor({1.5F, -2.0F})));
}

TEST(TorchvisionStateDict, RejectsMissingFileAndNonZip) {
  test::TempDir dir("winnow-tv");
  EXPECT_NE(loadError(dir / "absent.pth").find("absent.pth: cannot read file"), std::string::npos);
  const auto text = writeFile(dir, "text.pth", std::string(200, 'x'));
  EXPECT_NE(loadError(text).find("text.pth: not a zip archive"), std::string::npos) << loadError(text);
}

TEST(TorchvisionStateDict, RejectsTruncatedArchive) {
  test::TempDir dir("winnow-tv");
  const std::string whole = makeZip({{"t/data.pkl", tensorDictPickle()}, {"t/data/0", floatBytes({1, 2})}});
  const auto path = writeFile(dir, "cut.pth", whole.substr(0, whole.size() / 2));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("cut.pth: not a zip archive, or truncated"), std::string::npos) << error;
}

TEST(TorchvisionStateDict, RejectsMissingDataPkl) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "nopkl.pth", makeZip({{"nopkl/data/0", floatBytes({1})}}));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("nopkl.pth: no <root>/data.pkl entry"), std::string::npos) << error;
}

TEST(TorchvisionStateDict, RejectsMissingStorage) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "nostorage.pth", makeZip({{"s/data.pkl", tensorDictPickle()}}));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("nostorage.pth: s/data.pkl: storage '0' missing"), std::string::npos) << error;
}

TEST(TorchvisionStateDict, RejectsShortStorage) {
  test::TempDir dir("winnow-tv");
  const auto path =
      writeFile(dir, "short.pth", makeZip({{"s/data.pkl", tensorDictPickle()}, {"s/data/0", floatBytes({1})}}));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("short.pth: s/data.pkl: tensor view exceeds storage '0'"), std::string::npos) << error;
}

TEST(TorchvisionStateDict, RejectsUnsupportedOpcodeWithOffset) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "op.pth", makeZip({{"o/data.pkl", std::string("\x80\x02}I1\n.")}}));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("op.pth: o/data.pkl: unsupported pickle opcode 0x49 at offset 3"), std::string::npos)
      << error;
}

TEST(TorchvisionStateDict, RejectsCompressedEntries) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "deflated.pth", makeZip({{"d/data.pkl", "xx"}}, 8));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("deflated.pth: entry 'd/data.pkl' is compressed (method 8)"), std::string::npos) << error;
}

TEST(TorchvisionStateDict, StrictLoadNamesEveryMismatch) {
  auto model = makeBackbone("resnet18", 10);
  StateDict state;
  for (const auto& item : model->named_parameters()) {
    state[item.key()] = item.value().detach().clone();
  }
  for (const auto& item : model->named_buffers()) {
    state[item.key()] = item.value().clone();
  }
  state.erase("layer1.0.bn1.running_var");
  state["extra.weight"] = torch::zeros({1});
  state["fc.weight"] = torch::zeros({1000, 512});
  try {
    loadStateDictInto(*model, state);
    FAIL() << "mismatched state dict accepted";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("missing keys [layer1.0.bn1.running_var]"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected keys [extra.weight]"), std::string::npos) << message;
    EXPECT_NE(message.find("fc.weight [1000, 512] vs module [10, 512]"), std::string::npos) << message;
  }
  state["layer1.0.bn1.running_var"] = torch::ones({64});
  state.erase("extra.weight");
  EXPECT_NO_THROW(loadStateDictInto(*model, state, {"fc."}));
}

TEST(TorchvisionStateDict, RejectsLegacyPickleWithoutMagicNumber) {
  test::TempDir dir("winnow-tv");
  const auto path = writeFile(dir, "legacy.pth", std::string("\x80\x02K\x05.", 5));
  const std::string error = loadError(path);
  EXPECT_NE(error.find("legacy.pth: legacy torch.save pickle: magic number missing"), std::string::npos) << error;
}

TEST(TorchvisionModels, RenamesLegacyDenseNetKeys) {
  const StateDict legacy = {{"features.denseblock1.denselayer1.norm.1.weight", torch::zeros({1})},
                            {"features.denseblock2.denselayer3.conv.2.weight", torch::zeros({1})},
                            {"features.norm5.running_var", torch::zeros({1})}};
  std::vector<std::string> keys;
  for (const auto& [key, tensor] : renameLegacyTorchvisionKeys(legacy)) {
    keys.push_back(key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"features.denseblock1.denselayer1.norm1.weight",
                                            "features.denseblock2.denselayer3.conv2.weight",
                                            "features.norm5.running_var"}));
}

TEST(TorchvisionModels, FactoryRejectsUnknownNamesAndBadClassCounts) {
  EXPECT_THROW(makeBackbone("resnet19"), std::invalid_argument);
  EXPECT_THROW(makeBackbone("resnet18", 0), std::invalid_argument);
  for (const std::string& name : backboneNames()) {
    auto model = makeBackbone(name, 7);
    model->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor features = model->features(torch::zeros({1, 3, 64, 64}));
    EXPECT_EQ(features.size(1), model->featureDim()) << name;
    EXPECT_EQ(model->classify(features).sizes(), (std::vector<std::int64_t>{1, 7})) << name;
  }
}

}  // namespace
}  // namespace winnow::torchvision
