// The pickle interpreter covers the opcodes of pickle protocols 2-4 that torch.save emits for a
// (possibly nested) dict of tensors. Tensor storages are referenced through persistent ids
// ('storage', <torch.XStorage>, key, location, numel[, view]); they are the archive's
// `<root>/data/<key>` entries in the zip format (torch >= 1.6), and follow the pickles in the
// legacy format (torch < 1.6, or _use_new_zipfile_serialization=False), which torchvision's older
// published weights use.
#include "winnow/torchvision/state_dict.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "stored_zip.hpp"

namespace winnow::torchvision {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

// One unpickled object. Only the kinds torch.save produces for a state dict are represented;
// `text` holds a string's contents, or "module.name" for a global.
struct Value {
  // BigInt: an integer wider than 64 bits, kept as its little-endian bytes in `text`.
  enum class Kind { None, Bool, Int, BigInt, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text;
  std::vector<ValuePtr> items;                              // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;       // Dict, in insertion order
  torch::Tensor tensor;                                     // Storage (1-D), Tensor
};

ValuePtr make(Value::Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

// Owns every value of one load, so that containers can be emptied at the end: a pickle may put a
// list or dict into itself (APPEND of its own memo entry), a cycle that shared_ptr alone would
// leak (found by fuzz/fuzz_pth).
class ValueArena {
 public:
  ValueArena() = default;
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;
  ~ValueArena() {
    for (const ValuePtr& value : values_) {
      value->items.clear();
      value->entries.clear();
    }
  }
  ValuePtr make(Value::Kind kind) {
    values_.push_back(torchvision::make(kind));
    return values_.back();
  }

 private:
  std::vector<ValuePtr> values_;
};

const std::unordered_map<std::string, torch::Dtype>& storageDtypes() {
  static const std::unordered_map<std::string, torch::Dtype> dtypes = {
      {"torch.FloatStorage", torch::kFloat32},   {"torch.HalfStorage", torch::kFloat16},
      {"torch.BFloat16Storage", torch::kBFloat16}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.LongStorage", torch::kInt64},      {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},     {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},      {"torch.BoolStorage", torch::kBool},
      {"torch.UntypedStorage", torch::kUInt8}};
  return dtypes;
}

// The storage a persistent id names: a 1-D tensor of `numel` elements of `dtype` (its contents
// may be filled later, as in the legacy format). Throws when it cannot be provided.
using StorageSource = std::function<torch::Tensor(const std::string& key, torch::Dtype dtype, std::int64_t numel)>;

// Runs one pickle of `program` starting at byte `start`; `origin` ("<file>: <part>") prefixes
// errors. Tensors come back as views of their storages (cloned by the caller once filled).
class Unpickler {
 public:
  Unpickler(std::string origin, const std::string& program, std::size_t start, StorageSource storages,
            ValueArena& arena)
      : origin_(std::move(origin)), program_(program), at_(start), storageSource_(std::move(storages)),
        arena_(arena) {}

  ValuePtr run();
  std::size_t end() const { return at_; }  // the offset after STOP, once run() returned

 private:
  [[noreturn]] void fail(const std::string& reason) const { throw std::runtime_error(origin_ + ": " + reason); }
  ValuePtr make(Value::Kind kind) { return arena_.make(kind); }
  std::uint64_t readUnsigned(int width);
  std::string readBytes(std::size_t count);
  std::string readLine();
  ValuePtr pop();
  ValuePtr& top();
  std::vector<ValuePtr> popToMark();
  const ValuePtr& memoAt(std::uint64_t index) const;
  bool step(unsigned char opcode);
  void setItems(std::vector<ValuePtr> keysAndValues);
  ValuePtr reduce(const ValuePtr& callable, const ValuePtr& arguments);
  ValuePtr persistentLoad(const ValuePtr& id);
  ValuePtr rebuildTensor(const std::vector<ValuePtr>& arguments);
  std::int64_t intAt(const std::vector<ValuePtr>& items, std::size_t index, const char* what) const;
  std::vector<std::int64_t> intsOf(const ValuePtr& tuple, const char* what) const;

  std::string origin_;
  const std::string& program_;
  std::size_t at_;
  StorageSource storageSource_;
  ValueArena& arena_;
  std::size_t opcodeOffset_ = 0;
  std::vector<ValuePtr> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, ValuePtr> memo_;
  std::unordered_map<std::string, torch::Tensor> storages_;
};

std::uint64_t Unpickler::readUnsigned(int width) {
  const std::string bytes = readBytes(static_cast<std::size_t>(width));
  std::uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  }
  return value;
}

std::string Unpickler::readBytes(std::size_t count) {
  if (count > program_.size() - at_) {
    fail("truncated pickle (opcode at offset " + std::to_string(opcodeOffset_) + ")");
  }
  std::string bytes = program_.substr(at_, count);
  at_ += count;
  return bytes;
}

std::string Unpickler::readLine() {
  const std::size_t end = program_.find('\n', at_);
  if (end == std::string::npos) {
    fail("truncated pickle (unterminated line at offset " + std::to_string(at_) + ")");
  }
  std::string line = program_.substr(at_, end - at_);
  at_ = end + 1;
  return line;
}

ValuePtr Unpickler::pop() {
  if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
    fail("stack underflow at offset " + std::to_string(opcodeOffset_));
  }
  ValuePtr value = stack_.back();
  stack_.pop_back();
  return value;
}

ValuePtr& Unpickler::top() {
  if (stack_.empty()) {
    fail("stack underflow at offset " + std::to_string(opcodeOffset_));
  }
  return stack_.back();
}

std::vector<ValuePtr> Unpickler::popToMark() {
  if (marks_.empty()) {
    fail("no MARK before offset " + std::to_string(opcodeOffset_));
  }
  const std::size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<ValuePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  return items;
}

const ValuePtr& Unpickler::memoAt(std::uint64_t index) const {
  const auto found = memo_.find(index);
  if (found == memo_.end()) {
    fail("memo entry " + std::to_string(index) + " missing at offset " + std::to_string(opcodeOffset_));
  }
  return found->second;
}

std::int64_t Unpickler::intAt(const std::vector<ValuePtr>& items, std::size_t index,
                              const char* what) const {
  if (index >= items.size() || items[index]->kind != Value::Kind::Int) {
    fail(std::string("expected an integer for ") + what);
  }
  return items[index]->integer;
}

std::vector<std::int64_t> Unpickler::intsOf(const ValuePtr& tuple, const char* what) const {
  if (tuple->kind != Value::Kind::Tuple) {
    fail(std::string("expected a tuple for ") + what);
  }
  std::vector<std::int64_t> ints;
  for (std::size_t i = 0; i < tuple->items.size(); ++i) {
    ints.push_back(intAt(tuple->items, i, what));
  }
  return ints;
}

void Unpickler::setItems(std::vector<ValuePtr> keysAndValues) {
  ValuePtr& dict = top();
  if (dict->kind != Value::Kind::Dict || keysAndValues.size() % 2 != 0) {
    fail("SETITEM(S) without a dict at offset " + std::to_string(opcodeOffset_));
  }
  for (std::size_t i = 0; i < keysAndValues.size(); i += 2) {
    dict->entries.emplace_back(keysAndValues[i], keysAndValues[i + 1]);
  }
}

ValuePtr Unpickler::persistentLoad(const ValuePtr& id) {
  // ('storage', storage type global, key, location, numel[, view]); view (legacy format only):
  // None or (view key, offset, numel) into the storage `key`.
  if (id->kind != Value::Kind::Tuple || id->items.size() < 5 || id->items[0]->text != "storage" ||
      id->items[1]->kind != Value::Kind::Global || id->items[2]->kind != Value::Kind::String) {
    fail("unsupported persistent id at offset " + std::to_string(opcodeOffset_));
  }
  const auto dtype = storageDtypes().find(id->items[1]->text);
  if (dtype == storageDtypes().end()) {
    fail("unsupported storage type " + id->items[1]->text);
  }
  const std::string& key = id->items[2]->text;
  auto cached = storages_.find(key);
  if (cached == storages_.end()) {
    try {
      cached = storages_.emplace(key, storageSource_(key, dtype->second, intAt(id->items, 4, "a storage size"))).first;
    } catch (const std::runtime_error& error) {
      fail(error.what());
    }
  }
  ValuePtr value = make(Value::Kind::Storage);
  value->text = key;
  value->tensor = cached->second;
  if (id->items.size() > 5 && id->items[5]->kind == Value::Kind::Tuple) {
    const std::vector<ValuePtr>& view = id->items[5]->items;
    const std::int64_t offset = intAt(view, 1, "a storage view offset");
    const std::int64_t numel = intAt(view, 2, "a storage view size");
    if (offset < 0 || numel < 0 || offset + numel > value->tensor.numel()) {
      fail("storage view exceeds storage '" + key + "'");
    }
    value->tensor = value->tensor.narrow(0, offset, numel);
  }
  return value;
}

ValuePtr Unpickler::rebuildTensor(const std::vector<ValuePtr>& arguments) {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  // or, from torch < 0.4, _rebuild_tensor(storage, storage_offset, size, stride)
  if (arguments.size() < 4 || arguments[0]->kind != Value::Kind::Storage) {
    fail("_rebuild_tensor without a storage at offset " + std::to_string(opcodeOffset_));
  }
  const torch::Tensor& storage = arguments[0]->tensor;
  const std::int64_t offset = intAt(arguments, 1, "a storage offset");
  const std::vector<std::int64_t> sizes = intsOf(arguments[2], "a tensor size");
  const std::vector<std::int64_t> strides = intsOf(arguments[3], "a tensor stride");
  if (sizes.size() != strides.size()) {
    fail("tensor size and stride ranks differ at offset " + std::to_string(opcodeOffset_));
  }
  // Sizes and strides come from the file: negative ones, overflowing products and views with
  // more elements than their storage (stride 0: the clone below would allocate all of them) are
  // refused (found by fuzz/fuzz_pth).
  std::int64_t last = offset;
  std::int64_t elements = 1;
  bool empty = false;
  bool valid = offset >= 0;
  for (std::size_t i = 0; i < sizes.size() && valid; ++i) {
    std::int64_t step = 0;
    valid = sizes[i] >= 0 && strides[i] >= 0 && !__builtin_mul_overflow(elements, sizes[i], &elements) &&
            (sizes[i] == 0 || (!__builtin_mul_overflow(sizes[i] - 1, strides[i], &step) &&
                               !__builtin_add_overflow(last, step, &last)));
    empty = empty || sizes[i] == 0;
  }
  if (!valid) {
    fail("tensor size/stride out of range at offset " + std::to_string(opcodeOffset_));
  }
  if (!empty && last >= storage.numel()) {
    fail("tensor view exceeds storage '" + arguments[0]->text + "' (" +
         std::to_string(storage.numel()) + " elements)");
  }
  if (elements > std::max<std::int64_t>(storage.numel(), 1)) {
    fail("tensor of " + std::to_string(elements) + " elements repeats storage '" + arguments[0]->text +
         "' (" + std::to_string(storage.numel()) + " elements)");
  }
  ValuePtr value = make(Value::Kind::Tensor);
  value->tensor = storage.as_strided(sizes, strides, offset);
  return value;
}

ValuePtr Unpickler::reduce(const ValuePtr& callable, const ValuePtr& arguments) {
  if (callable->kind != Value::Kind::Global || arguments->kind != Value::Kind::Tuple) {
    fail("REDUCE on a non-global at offset " + std::to_string(opcodeOffset_));
  }
  const std::string& name = callable->text;
  if (name == "collections.OrderedDict" && arguments->items.empty()) {
    return make(Value::Kind::Dict);
  }
  if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
    return rebuildTensor(arguments->items);
  }
  if (name == "torch._utils._rebuild_parameter" && !arguments->items.empty() &&
      arguments->items[0]->kind == Value::Kind::Tensor) {
    return arguments->items[0];
  }
  fail("unsupported call of " + name + " at offset " + std::to_string(opcodeOffset_));
}

// Executes one opcode; false at STOP.
bool Unpickler::step(unsigned char opcode) {
  switch (opcode) {
    case 0x80: readUnsigned(1); return true;                 // PROTO
    case 0x95: readUnsigned(8); return true;                 // FRAME
    case '.': return false;                                  // STOP
    case '(': marks_.push_back(stack_.size()); return true;  // MARK
    case 'N': stack_.push_back(make(Value::Kind::None)); return true;
    case 0x88:                                               // NEWTRUE
    case 0x89: {                                             // NEWFALSE
      ValuePtr value = make(Value::Kind::Bool);
      value->integer = opcode == 0x88 ? 1 : 0;
      stack_.push_back(value);
      return true;
    }
    case 'J':  // BININT (signed 32-bit)
    case 'K':  // BININT1
    case 'M': {  // BININT2
      ValuePtr value = make(Value::Kind::Int);
      const std::uint64_t raw = readUnsigned(opcode == 'J' ? 4 : opcode == 'K' ? 1 : 2);
      value->integer = opcode == 'J' ? static_cast<std::int32_t>(raw) : static_cast<std::int64_t>(raw);
      stack_.push_back(value);
      return true;
    }
    case 0x8a: {  // LONG1: little-endian two's complement of n <= 8 bytes
      const std::size_t count = readUnsigned(1);
      if (count > 8) {
        ValuePtr value = make(Value::Kind::BigInt);
        value->text = readBytes(count);
        stack_.push_back(value);
        return true;
      }
      const std::uint64_t raw = count == 0 ? 0 : readUnsigned(static_cast<int>(count));
      const int unused = 64 - 8 * static_cast<int>(count);
      ValuePtr value = make(Value::Kind::Int);
      value->integer = count == 0 ? 0 : static_cast<std::int64_t>(raw << unused) >> unused;
      stack_.push_back(value);
      return true;
    }
    case 'G': {  // BINFLOAT: big-endian double
      const std::string bytes = readBytes(8);
      std::uint64_t raw = 0;
      for (const char byte : bytes) {
        raw = (raw << 8) | static_cast<unsigned char>(byte);
      }
      ValuePtr value = make(Value::Kind::Float);
      std::memcpy(&value->real, &raw, sizeof raw);
      stack_.push_back(value);
      return true;
    }
    case 'X':    // BINUNICODE
    case 0x8c:   // SHORT_BINUNICODE
    case 0x8d:   // BINUNICODE8
    case 'B':    // BINBYTES
    case 'C': {  // SHORT_BINBYTES
      const int width = (opcode == 0x8c || opcode == 'C') ? 1 : opcode == 0x8d ? 8 : 4;
      ValuePtr value = make(Value::Kind::String);
      value->text = readBytes(readUnsigned(width));
      stack_.push_back(value);
      return true;
    }
    case 'c': {  // GLOBAL module\nname\n
      ValuePtr value = make(Value::Kind::Global);
      const std::string module = readLine();
      value->text = module + "." + readLine();
      stack_.push_back(value);
      return true;
    }
    case 0x93: {  // STACK_GLOBAL
      const ValuePtr name = pop();
      const ValuePtr module = pop();
      ValuePtr value = make(Value::Kind::Global);
      value->text = module->text + "." + name->text;
      stack_.push_back(value);
      return true;
    }
    case ')': stack_.push_back(make(Value::Kind::Tuple)); return true;  // EMPTY_TUPLE
    case ']': stack_.push_back(make(Value::Kind::List)); return true;   // EMPTY_LIST
    case '}': stack_.push_back(make(Value::Kind::Dict)); return true;   // EMPTY_DICT
    case 't': {  // TUPLE
      ValuePtr value = make(Value::Kind::Tuple);
      value->items = popToMark();
      stack_.push_back(value);
      return true;
    }
    case 0x85:    // TUPLE1
    case 0x86:    // TUPLE2
    case 0x87: {  // TUPLE3
      ValuePtr value = make(Value::Kind::Tuple);
      value->items.resize(static_cast<std::size_t>(opcode - 0x84));
      for (auto item = value->items.rbegin(); item != value->items.rend(); ++item) {
        *item = pop();
      }
      stack_.push_back(value);
      return true;
    }
    case 'a': {  // APPEND
      const ValuePtr item = pop();
      top()->items.push_back(item);
      return true;
    }
    case 'e': {  // APPENDS
      std::vector<ValuePtr> items = popToMark();
      ValuePtr& list = top();
      list->items.insert(list->items.end(), items.begin(), items.end());
      return true;
    }
    case 's': {  // SETITEM
      const ValuePtr value = pop();
      const ValuePtr key = pop();
      setItems({key, value});
      return true;
    }
    case 'u': setItems(popToMark()); return true;  // SETITEMS
    case 'q': memo_[readUnsigned(1)] = top(); return true;  // BINPUT
    case 'r': memo_[readUnsigned(4)] = top(); return true;  // LONG_BINPUT
    case 0x94: {  // MEMOIZE
      const std::uint64_t index = memo_.size();
      memo_[index] = top();
      return true;
    }
    case 'h': stack_.push_back(memoAt(readUnsigned(1))); return true;  // BINGET
    case 'j': stack_.push_back(memoAt(readUnsigned(4))); return true;  // LONG_BINGET
    case 'Q': stack_.push_back(persistentLoad(pop())); return true;    // BINPERSID
    case 'R': {  // REDUCE
      const ValuePtr arguments = pop();
      const ValuePtr callable = pop();
      stack_.push_back(reduce(callable, arguments));
      return true;
    }
    case 'b':  // BUILD: object state (e.g. the state dict's `_metadata`) carries no tensors
      pop();
      top();
      return true;
    default: {
      std::ostringstream reason;
      reason << "unsupported pickle opcode 0x" << std::hex << static_cast<int>(opcode) << std::dec
             << " at offset " << opcodeOffset_;
      fail(reason.str());
    }
  }
}

ValuePtr Unpickler::run() {
  while (true) {
    opcodeOffset_ = at_;
    if (at_ >= program_.size()) {
      fail("truncated pickle (no STOP)");
    }
    if (!step(static_cast<unsigned char>(program_[at_++]))) {
      break;
    }
  }
  if (stack_.size() != 1) {
    fail("pickle ended with " + std::to_string(stack_.size()) + " values on the stack");
  }
  return stack_.back();
}

// The archive root: the folder holding data.pkl (torch.save names it after the file, or "archive").
std::string archiveRoot(const detail::StoredZip& zip) {
  for (const std::string& name : zip.names()) {
    const std::size_t slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash) == "/data.pkl") {
      return name.substr(0, slash);
    }
  }
  throw std::runtime_error(zip.path().string() + ": no <root>/data.pkl entry (not a torch.save archive)");
}

void requireLittleEndian(const detail::StoredZip& zip, const std::string& root) {
  const std::string entry = root + "/byteorder";
  if (zip.contains(entry) && zip.readString(entry) != "little") {
    throw std::runtime_error(zip.path().string() + ": storages are big-endian; only little-endian is supported");
  }
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    joined += (joined.empty() ? "" : ", ") + name;
  }
  return joined;
}

std::string shapeText(const torch::Tensor& tensor) {
  std::ostringstream text;
  text << tensor.sizes();
  return text.str();
}

bool skipped(const std::string& key, const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    if (key.compare(0, prefix.size(), prefix) == 0) {
      return true;
    }
  }
  return false;
}

// Storages of the zip format: entry `<root>/data/<key>`, whose byte size gives the element count.
StorageSource zipStorages(const detail::StoredZip& zip, const std::string& root) {
  return [&zip, root](const std::string& key, torch::Dtype dtype, std::int64_t) {
    const std::string entry = root + "/data/" + key;
    if (!zip.contains(entry)) {
      throw std::runtime_error("storage '" + key + "' missing (no archive entry " + entry + ")");
    }
    const std::size_t elementSize = c10::elementSize(dtype);
    const std::uint64_t bytes = zip.size(entry);
    if (bytes % elementSize != 0) {
      throw std::runtime_error("storage '" + key + "' has " + std::to_string(bytes) +
                               " bytes, not a multiple of " + std::to_string(elementSize));
    }
    torch::Tensor storage = torch::empty({static_cast<std::int64_t>(bytes / elementSize)}, torch::TensorOptions(dtype));
    zip.read(entry, storage.data_ptr());
    return storage;
  };
}

ValuePtr loadZipObject(const std::filesystem::path& path, ValueArena& arena) {
  const detail::StoredZip zip(path);
  const std::string root = archiveRoot(zip);
  requireLittleEndian(zip, root);
  const std::string program = zip.readString(root + "/data.pkl");
  return Unpickler(path.string() + ": " + root + "/data.pkl", program, 0, zipStorages(zip, root), arena).run();
}

// The legacy format: pickles of the magic number, the protocol version (1001) and a sys_info dict,
// the object pickle, a pickled list of storage keys; then per key an int64 element count and the
// raw little-endian elements.
ValuePtr loadLegacyObject(const std::filesystem::path& path, const std::string& bytes, ValueArena& arena) {
  static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);  // 0x1950a86a20f9469cfc6c
  const std::string origin = path.string() + ": legacy torch.save pickle";
  const auto fail = [&origin](const std::string& reason) { throw std::runtime_error(origin + ": " + reason); };
  const StorageSource noStorages = [](const std::string& key, torch::Dtype, std::int64_t) -> torch::Tensor {
    throw std::runtime_error("storage '" + key + "' referenced outside the object pickle");
  };
  std::map<std::string, torch::Tensor> storages;  // filled after the object pickle
  const StorageSource pending = [&storages, &bytes](const std::string& key, torch::Dtype dtype, std::int64_t numel) {
    // The elements follow in the file: a count the file cannot hold is refused before allocating.
    if (numel < 0 || static_cast<std::uint64_t>(numel) > bytes.size() / c10::elementSize(dtype)) {
      throw std::runtime_error("storage '" + key + "' declares " + std::to_string(numel) +
                               " elements, more than the file holds");
    }
    return storages[key] = torch::empty({numel}, torch::TensorOptions(dtype));
  };
  std::size_t at = 0;
  const auto next = [&](const StorageSource& source) {
    Unpickler unpickler(origin, bytes, at, source, arena);
    ValuePtr value = unpickler.run();
    at = unpickler.end();
    return value;
  };
  const ValuePtr magic = next(noStorages);
  if (magic->kind != Value::Kind::BigInt || magic->text != kMagic) {
    fail("magic number missing (not a torch.save file)");
  }
  const ValuePtr protocol = next(noStorages);
  if (protocol->kind != Value::Kind::Int || protocol->integer != 1001) {
    fail("unsupported protocol version");
  }
  const ValuePtr sysInfo = next(noStorages);
  for (const auto& [key, value] : sysInfo->entries) {
    if (key->text == "little_endian" && value->kind == Value::Kind::Bool && value->integer == 0) {
      fail("storages are big-endian; only little-endian is supported");
    }
  }
  const ValuePtr object = next(pending);
  const ValuePtr keys = next(noStorages);
  for (const ValuePtr& key : keys->items) {
    const auto storage = storages.find(key->text);
    if (storage == storages.end() || bytes.size() - at < 8) {
      fail("storage '" + key->text + "' unknown or truncated");
    }
    std::int64_t numel = 0;
    std::memcpy(&numel, bytes.data() + at, sizeof numel);
    const std::size_t size = storage->second.nbytes();
    if (numel != storage->second.numel() || bytes.size() - at - 8 < size) {
      fail("storage '" + key->text + "' truncated or of the wrong size");
    }
    std::memcpy(storage->second.data_ptr(), bytes.data() + at + 8, size);
    at += 8 + size;
  }
  if (keys->items.size() != storages.size()) {
    fail("storages referenced by the object are missing from the file");
  }
  return object;
}

// Legacy-format files start with a pickle PROTO opcode; zip archives with "PK".
bool isLegacyFormat(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char first = 0;
  return in.get(first) && static_cast<unsigned char>(first) == 0x80;
}

std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(std::filesystem::file_size(path), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    throw std::runtime_error(path.string() + ": read error");
  }
  return bytes;
}

}  // namespace

StateDict loadStateDict(const std::filesystem::path& path) {
  ValueArena arena;
  const ValuePtr dict =
      isLegacyFormat(path) ? loadLegacyObject(path, readWholeFile(path), arena) : loadZipObject(path, arena);
  if (dict->kind != Value::Kind::Dict) {
    throw std::runtime_error(path.string() + ": top-level object is not a dict");
  }
  StateDict stateDict;
  for (const auto& [key, value] : dict->entries) {
    if (key->kind != Value::Kind::String || value->kind != Value::Kind::Tensor) {
      throw std::runtime_error(path.string() + ": entry '" + key->text + "' is not a string -> tensor pair");
    }
    // A private contiguous copy: the views may share (and keep alive) whole storages.
    stateDict[key->text] = value->tensor.clone(at::MemoryFormat::Contiguous);
  }
  return stateDict;
}

void loadStateDictInto(torch::nn::Module& module, const StateDict& stateDict,
                       const std::vector<std::string>& skippedPrefixes) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    targets[item.key()] = item.value();
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    targets[item.key()] = item.value();
  }
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [name, target] : targets) {
    if (!target.defined() || skipped(name, skippedPrefixes)) {
      continue;
    }
    const auto source = stateDict.find(name);
    if (source == stateDict.end()) {
      missing.push_back(name);
    } else if (source->second.sizes() != target.sizes()) {
      mismatched.push_back(name + " " + shapeText(source->second) + " vs module " + shapeText(target));
    }
  }
  for (const auto& [name, tensor] : stateDict) {
    if (targets.count(name) == 0 && !skipped(name, skippedPrefixes)) {
      unexpected.push_back(name);
    }
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    throw std::runtime_error("state dict does not match the module: missing keys [" + joinNames(missing) +
                             "], unexpected keys [" + joinNames(unexpected) + "], shape mismatches [" +
                             joinNames(mismatched) + "]");
  }
  torch::NoGradGuard noGrad;
  for (auto& [name, target] : targets) {
    if (target.defined() && !skipped(name, skippedPrefixes)) {
      target.copy_(stateDict.at(name));
    }
  }
}

void loadStateDictInto(torch::nn::Module& module, const std::filesystem::path& path,
                       const std::vector<std::string>& skippedPrefixes) {
  const StateDict stateDict = loadStateDict(path);
  try {
    loadStateDictInto(module, stateDict, skippedPrefixes);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(path.string() + ": " + error.what());
  }
}

}  // namespace winnow::torchvision
