#pragma once
// multipart/form-data (RFC 7578) body splitting. Hand-written because neither Beast nor
// any Debian-packaged library parses multipart; the parser works on the complete body
// the server already holds (bounded by its max body size) and returns views into it.
#include <string>
#include <string_view>
#include <vector>

namespace brrt::dispatch {

struct MultipartPart {
  std::string_view name;          // Content-Disposition name
  std::string_view filename;      // empty for a plain field
  bool has_filename = false;      // `filename=""` still marks a file part
  std::string_view content_type;  // empty when the part has none (text/plain)
  std::string_view data;
};

struct MultipartLimits {
  std::size_t max_parts = 256;
  std::size_t max_part_header_bytes = 8 * 1024;
};

// The `boundary` parameter of a multipart Content-Type, unquoted; empty if missing or
// invalid (RFC 2046: 1..70 characters).
std::string_view multipart_boundary(std::string_view content_type) noexcept;

// Why `dir` cannot take the temporary files of large uploads (it does not exist, is no
// directory, or this user cannot create files in it), or "" when it can.
std::string upload_dir_error(const std::string& dir);

// Splits `body` into parts. On malformed input returns false with a specific `error`.
bool parse_multipart(std::string_view body, std::string_view boundary,
                     const MultipartLimits& limits, std::vector<MultipartPart>& parts,
                     std::string& error);

}  // namespace brrt::dispatch
