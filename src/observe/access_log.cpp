#include "brrt/observe/access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

// Whether any of eight bytes needs more than a copy in a JSON string: a control character, '"',
// '\\', DEL or a byte of a multi-byte UTF-8 sequence (SWAR: "has a byte less than / equal to",
// exact about whether one exists). Printable ASCII, most of every message, is skipped eight
// bytes at a time.
bool needs_escape8(const char* p) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  auto has_zero = [&](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t control = (x - kOnes * 0x20) & ~x & kHigh;
  return (control | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\')) |
          has_zero(x ^ (kOnes * 0x7F)) | (x & kHigh)) != 0;
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
  // Runs of bytes that need no escape (printable ASCII other than '"' and '\\', and valid
  // UTF-8) are appended whole: a body of error messages is mostly such runs, and appending
  // byte by byte cost more than the rest of a 400 response.
  std::size_t run = 0;
  auto flush = [&](std::size_t end) { out.append(s.data() + run, end - run); };
  for (std::size_t i = 0; i < s.size();) {
    if (i + 8 <= s.size() && !needs_escape8(s.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence(s, i)) {
        i += n;
        continue;
      }
      flush(i);
      out += "\xEF\xBF\xBD";
      run = ++i;
      continue;
    }
    flush(i);
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
      default:  // other control characters and DEL
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    run = ++i;
  }
  flush(s.size());
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
        std::snprintf(num, sizeof num, ",\"status\":%d,\"bytes\":%llu,\"duration_ms\":%.3f",
                      r.status, static_cast<unsigned long long>(r.bytes_out), ms);
    out.append(num, static_cast<std::size_t>(n));
    if (!r.trace_id.empty()) {  // hex ids: nothing to escape
      out += ",\"trace_id\":\"";
      out += r.trace_id;
      out += "\",\"span_id\":\"";
      out += r.span_id;
      out += '"';
    }
    if (!r.user_agent.empty()) {
      out += ",\"user_agent\":\"";
      append_json_escaped(out, r.user_agent);
      out += '"';
    }
    out += "}\n";
    return;
  }
  // Text: time remote "METHOD target" status bytes duration operation [trace-id span-id]
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
  if (!r.trace_id.empty()) {
    out += ' ';
    out += r.trace_id;
    out += ' ';
    out += r.span_id;
  }
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
