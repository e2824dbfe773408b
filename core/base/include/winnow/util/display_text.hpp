// Text that came from users or from files (class names, paths, source names, plugin messages)
// made safe to print on a terminal.
//
// A class folder named "a\x1b[31mred\nb" must not recolour the user's terminal or forge an extra
// output line, and bytes that are not UTF-8 must not break a line-oriented reader. JSON output
// does not need this (nlohmann escapes control characters; invalid UTF-8 is replaced there).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace winnow {

// `text` unchanged when it is valid UTF-8 with no control or invisible-direction characters (the
// common case: ordinary names print as before) and does not start with '"'. Otherwise the whole
// text double-quoted with
// C-style escapes, so it stays one unambiguous field: "a\x1b[31mred\nb". Escaped: \" \\ \n \t \r,
// other C0 controls and DEL as \xNN, bytes that are not UTF-8 as \xNN, C1 controls, bidi
// overrides/isolates and line/paragraph separators as \uXXXX.
std::string displayText(std::string_view text);

// For whole messages: the same escapes, without quotes, and '\n' and '\t' kept when
// `keepLineBreaks` (a message may span lines; a name inside it should already be displayText).
std::string terminalSafeText(std::string_view text, bool keepLineBreaks);

// Length of the longest prefix of `text` that does not end inside an incomplete (but so far
// valid) UTF-8 sequence; lets a stream filter hold back a sequence split across two writes.
std::size_t completeUtf8Prefix(std::string_view text);

}  // namespace winnow
