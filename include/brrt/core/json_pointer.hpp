#pragma once
// RFC 6901 JSON Pointer reference tokens: every error location in the project (spec
// loading, schema compilation and validation, config) is a JSON pointer built from these.
#include <string>
#include <string_view>

namespace brrt {

// Writes `token` escaped ("~" -> "~0", "/" -> "~1") at `out`, which has room for
// 2 * token.size() bytes, and returns the end of what it wrote.
char* write_pointer_token(char* out, std::string_view token) noexcept;
// Appends `token` escaped, without the leading "/".
void append_pointer_token(std::string& out, std::string_view token);
std::string escape_pointer_token(std::string_view token);
// The inverse: "~1" -> "/", "~0" -> "~"; any other "~" is kept as it is.
std::string unescape_pointer_token(std::string_view token);

}  // namespace brrt
