#include "brrt/observe/access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

namespace brrt::observe {

namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0xC2 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF5 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b == 0xE0 && b1 < 0xA0) return 0;   // overlong
  if (b == 0xED && b1 >= 0xA0) return 0;  // surrogates
  if (b == 0xF0 && b1 < 0x90) return 0;   // overlong
  if (b == 0xF4 && b1 >= 0x90) return 0;  // > U+10FFFF
  return n;
}

void append_iso8601(std::string& out, std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(ms));
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence(s, i)) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

void AccessLog::format(const AccessRecord& r, std::string& out) const {
  out.clear();
  const double ms = static_cast<double>(r.duration.count()) / 1e6;
  char num[64];
  if (format_ == LogFormat::Json) {
    out += "{\"time\":\"";
    append_iso8601(out, r.time);
    out += "\",\"remote\":\"";
    append_json_escaped(out, r.remote);
    out += "\",\"method\":\"";
    append_json_escaped(out, r.method);
    out += "\",\"target\":\"";
    append_json_escaped(out, r.target);
    out += "\",\"operation\":";
    if (r.operation.empty()) {
      out += "null";
    } else {
      out += '"';
      append_json_escaped(out, r.operation);
      out += '"';
    }
    const int n =
        std::snprintf(num, sizeof num, ",\"status\":%d,\"bytes\":%llu,\"duration_ms\":%.3f}\n",
                      r.status, static_cast<unsigned long long>(r.bytes_out), ms);
    out.append(num, static_cast<std::size_t>(n));
    return;
  }
  // Text: time remote "METHOD target" status bytes duration operation
  append_iso8601(out, r.time);
  out += ' ';
  out += r.remote.empty() ? std::string_view("-") : r.remote;
  out += " \"";
  // Escaped like JSON so a target with quotes or control bytes stays one line.
  append_json_escaped(out, r.method);
  out += ' ';
  append_json_escaped(out, r.target);
  const int n = std::snprintf(num, sizeof num, "\" %d %llu %.3fms ", r.status,
                              static_cast<unsigned long long>(r.bytes_out), ms);
  out.append(num, static_cast<std::size_t>(n));
  out += r.operation.empty() ? std::string_view("-") : r.operation;
  out += '\n';
}

void AccessLog::write(const AccessRecord& r, std::string& scratch) const {
  format(r, scratch);
  const char* p = scratch.data();
  std::size_t left = scratch.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full or closed log sink must not take the server down
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace brrt::observe
