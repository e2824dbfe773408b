#include "winnow/util/display_text.hpp"

#include <cstdint>
#include <cstdio>

namespace winnow {
namespace {

// Length of the valid UTF-8 sequence starting at text[at] (1-4), or 0 when the bytes there are
// not valid UTF-8 (bad lead byte, bad continuation, overlong form, surrogate, > U+10FFFF, cut
// short). `codePoint` gets the decoded value.
std::size_t utf8SequenceAt(std::string_view text, std::size_t at, std::uint32_t& codePoint) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    codePoint = lead;
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    codePoint = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    codePoint = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    codePoint = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // > U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(i);
    if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) return 0;
    codePoint = (codePoint << 6) | (next & 0x3F);
  }
  return length;
}

// Code points above ASCII that change how a terminal shows the text around them.
bool isHiddenControl(std::uint32_t codePoint) {
  return (codePoint >= 0x80 && codePoint <= 0x9F) ||        // C1 controls (CSI = U+009B)
         codePoint == 0x200E || codePoint == 0x200F ||      // LRM, RLM
         (codePoint >= 0x202A && codePoint <= 0x202E) ||    // bidi embeddings and overrides
         (codePoint >= 0x2066 && codePoint <= 0x2069) ||    // bidi isolates
         codePoint == 0x2028 || codePoint == 0x2029 ||      // line / paragraph separators
         codePoint == 0xFEFF;                               // zero-width no-break space / BOM
}

void appendHexByte(std::string& out, unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
  out += buffer;
}

void appendCodePoint(std::string& out, std::uint32_t codePoint) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(codePoint));
  out += buffer;
}

// Escapes `text`; returns whether anything needed escaping. Quotes and backslashes are escaped
// only when `quoting` (inside the quoted form they would be ambiguous).
bool escapeInto(std::string_view text, bool quoting, bool keepLineBreaks, std::string& out) {
  bool escaped = false;
  std::size_t at = 0;
  while (at < text.size()) {
    std::uint32_t codePoint = 0;
    const std::size_t length = utf8SequenceAt(text, at, codePoint);
    if (length == 0) {
      appendHexByte(out, static_cast<unsigned char>(text[at]));
      escaped = true;
      ++at;
      continue;
    }
    if (length == 1) {
      const char c = text[at];
      if ((c == '\n' || c == '\t') && keepLineBreaks) {
        out += c;
      } else if (c == '\n') {
        out += "\\n", escaped = true;
      } else if (c == '\t') {
        out += "\\t", escaped = true;
      } else if (c == '\r') {
        out += "\\r", escaped = true;
      } else if (codePoint < 0x20 || codePoint == 0x7F) {
        appendHexByte(out, static_cast<unsigned char>(c));
        escaped = true;
      } else if (quoting && (c == '"' || c == '\\')) {
        out += '\\';
        out += c;
      } else {
        out += c;
      }
    } else if (isHiddenControl(codePoint)) {
      appendCodePoint(out, codePoint);
      escaped = true;
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return escaped;
}

}  // namespace

std::string displayText(std::string_view text) {
  std::string plain;
  plain.reserve(text.size());
  // Plain text never starts with a quote, so the quoted form cannot be mistaken for a name.
  const bool escaped = escapeInto(text, /*quoting=*/false, /*keepLineBreaks=*/false, plain);
  if (!escaped && (text.empty() || text.front() != '"')) return plain;
  std::string quoted = "\"";
  escapeInto(text, /*quoting=*/true, /*keepLineBreaks=*/false, quoted);
  quoted += '"';
  return quoted;
}

std::string terminalSafeText(std::string_view text, bool keepLineBreaks) {
  std::string out;
  out.reserve(text.size());
  escapeInto(text, /*quoting=*/false, keepLineBreaks, out);
  return out;
}

std::size_t completeUtf8Prefix(std::string_view text) {
  // A sequence is at most 4 bytes: look for its lead byte among the last 3.
  const std::size_t size = text.size();
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const auto byte = static_cast<unsigned char>(text[size - back]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    std::size_t length = 0;
    if (byte >= 0xC2 && byte <= 0xDF) length = 2;
    else if (byte >= 0xE0 && byte <= 0xEF) length = 3;
    else if (byte >= 0xF0 && byte <= 0xF4) length = 4;
    if (length > back) return size - back;  // lead byte of a sequence not finished yet
    return size;
  }
  return size;
}

}  // namespace winnow
