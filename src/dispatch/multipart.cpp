#include "brrt/dispatch/multipart.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "brrt/dispatch/media_type.hpp"
#include "brrt/http/message.hpp"

namespace brrt::dispatch {

std::string_view multipart_boundary(std::string_view content_type) noexcept {
  auto b = media_parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return {};
  return *b;
}

std::string upload_dir_error(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return "cannot use '" + dir + "' for upload files: " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "'" + dir + "' is not a directory";
  // Creating a file in it needs write and search permission.
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "cannot create upload files in '" + dir + "': " + std::strerror(errno);
  return {};
}

bool parse_multipart(std::string_view body, std::string_view boundary,
                     const MultipartLimits& limits, std::vector<MultipartPart>& parts,
                     std::string& error) {
  parts.clear();
  std::string delimiter = "\r\n--";
  delimiter += boundary;
  const std::string_view delim(delimiter);
  // The first delimiter may start the body (no preceding CRLF); text before it is a
  // preamble and ignored.
  std::size_t pos;
  if (body.substr(0, delim.size() - 2) == delim.substr(2))
    pos = delim.size() - 2;
  else if (auto d = body.find(delim); d != std::string_view::npos)
    pos = d + delim.size();
  else {
    error = "the multipart body has no boundary line \"--" + std::string(boundary) + "\"";
    return false;
  }
  while (true) {
    // After a delimiter: "--" ends the body; otherwise transport padding then CRLF.
    if (body.substr(pos, 2) == "--") return true;
    if (pos >= body.size()) {
      error = "the multipart body ends without its closing boundary \"--" + std::string(boundary) +
              "--\"";
      return false;
    }
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      error = "the multipart body is malformed after a boundary line (expected CRLF)";
      return false;
    }
    pos += 2;
    if (parts.size() == limits.max_parts) {
      error = "the multipart body has more than " + std::to_string(limits.max_parts) + " parts";
      return false;
    }
    MultipartPart part;
    bool disposition = false;
    const std::size_t headers_start = pos;
    while (true) {
      const std::size_t eol = body.find("\r\n", pos);
      if (eol == std::string_view::npos) {
        error = "a multipart part's headers are not terminated";
        return false;
      }
      if (eol - headers_start > limits.max_part_header_bytes) {
        error = "a multipart part's headers exceed " +
                std::to_string(limits.max_part_header_bytes) + " bytes";
        return false;
      }
      const std::string_view line = body.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.empty()) break;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        error = "a multipart part has a malformed header line";
        return false;
      }
      const std::string_view name = http::trim_ows(line.substr(0, colon));
      const std::string_view value = http::trim_ows(line.substr(colon + 1));
      if (http::iequals(name, "content-disposition")) {
        const std::string_view type = http::trim_ows(value.substr(0, value.find(';')));
        if (!http::iequals(type, "form-data")) {
          error = "a multipart part's Content-Disposition is not form-data";
          return false;
        }
        auto n = media_parameter(value, "name");
        if (!n) {
          error = "a multipart part's Content-Disposition has no name";
          return false;
        }
        part.name = *n;
        if (auto f = media_parameter(value, "filename")) {
          part.filename = *f;
          part.has_filename = true;
        }
        disposition = true;
      } else if (http::iequals(name, "content-type")) {
        part.content_type = value;
      }
    }
    if (!disposition) {
      error = "a multipart part has no Content-Disposition header";
      return false;
    }
    const std::size_t end = body.find(delim, pos);
    if (end == std::string_view::npos) {
      error = "the multipart body ends before its closing boundary";
      return false;
    }
    part.data = body.substr(pos, end - pos);
    parts.push_back(part);
    pos = end + delim.size();
  }
}

}  // namespace brrt::dispatch
