#include "path_component.hpp"

namespace winnow::exporter_imagefolder {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

void trim(std::string& text) {
  size_t first = 0;
  while (first < text.size() && isSpace(text[first])) ++first;
  size_t last = text.size();
  while (last > first && isSpace(text[last - 1])) --last;
  text = text.substr(first, last - first);
}

}  // namespace

std::string sanitizePathComponent(std::string_view name, size_t maxBytes) {
  std::string result;
  result.reserve(name.size());
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    const bool forbidden = c == '/' || c == '\\' || byte < 0x20 || byte == 0x7f;
    result.push_back(forbidden ? '_' : c);
  }
  size_t lead = 0;
  while (lead < result.size() && (result[lead] == '.' || isSpace(result[lead]))) ++lead;
  result.erase(0, lead);
  trim(result);
  if (result.size() > maxBytes) {
    size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>(result[cut]) & 0xC0) == 0x80) --cut;
    result.resize(cut);
    trim(result);
  }
  return result.empty() ? std::string("_") : result;
}

std::string foldCase(std::string_view name) {
  std::string folded(name);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

}  // namespace winnow::exporter_imagefolder
