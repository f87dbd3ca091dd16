#include "brrt/observe/access_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "brrt/core/utf8.hpp"

namespace brrt::observe {

namespace {

// `n`, or the start of the UTF-8 sequence that starts within the three bytes before it and
// would run past it: a slice cut there would turn a valid character into replacements.
std::size_t utf8_boundary(std::string_view s, std::size_t n) {
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const std::size_t j = n - back;
    const auto b = static_cast<unsigned char>(s[j]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    return j + len > n ? j : n;
  }
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

// A byte that a JSON string holds as it is: printable ASCII other than '"' and '\\'.
bool is_clean(unsigned char c) noexcept {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

// The length of the clean run at the start of [p, p + n), eight bytes at a time.
std::size_t clean_run(const char* p, std::size_t n) noexcept {
  std::size_t i = 0;
  while (i + 8 <= n && !needs_escape8(p + i)) i += 8;
  while (i < n && is_clean(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

}  // namespace

char* write_json_escaped(char* out, std::string_view s) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  // Clean bytes are copied while they are checked, eight at a time: into room made
  // beforehand, a store per word costs less than finding the run's end and then a memcpy call.
  std::size_t i = 0;
  while (i != s.size()) {
    const std::size_t left = s.size() - i;
    if (left >= 8) {
      if (!needs_escape8(s.data() + i)) {
        std::memcpy(out, s.data() + i, 8);
        out += 8;
        i += 8;
        continue;
      }
    } else if (s.size() >= 8 && !needs_escape8(s.data() + s.size() - 8)) {
      // The tail, as the last eight bytes of `s`: all clean, so the bytes before the tail in
      // that word were copied as they are and end where `out` is; the word is copied again
      // over them.
      std::memcpy(out + left - 8, s.data() + s.size() - 8, 8);
      return out + left;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (is_clean(c)) {
      *out++ = s[i++];
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence(s, i)) {
        std::memcpy(out, s.data() + i, n);
        out += n;
        i += n;
      } else {
        std::memcpy(out, "\xEF\xBF\xBD", 3);
        out += 3;
        ++i;
      }
      continue;
    }
    *out++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *out++ = static_cast<char>(c);
        break;
      case '\n':
        *out++ = 'n';
        break;
      case '\r':
        *out++ = 'r';
        break;
      case '\t':
        *out++ = 't';
        break;
      default:  // other control characters and DEL
        std::memcpy(out, "u00", 3);
        out[3] = kHex[c >> 4];
        out[4] = kHex[c & 0xF];
        out += 5;
    }
    ++i;
  }
  return out;
}

void append_json_escaped(std::string& out, std::string_view s) {
  // The clean run most texts are whole is appended as it is; the rest is escaped in place
  // into room made for the worst case, in slices so that the room made (and zero-filled by
  // resize) stays small however long `s` is.
  const std::size_t run = clean_run(s.data(), s.size());
  out.append(s.data(), run);
  s.remove_prefix(run);
  constexpr std::size_t kSlice = 256;
  while (!s.empty()) {
    std::size_t n = std::min(s.size(), kSlice);
    if (n < s.size()) n = utf8_boundary(s, n);
    const std::size_t old = out.size();
    out.resize(old + kMaxJsonEscapeGrowth * n);
    char* end = write_json_escaped(out.data() + old, s.substr(0, n));
    out.resize(static_cast<std::size_t>(end - out.data()));
    s.remove_prefix(n);
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
    if (!r.client_cert.empty()) {
      out += ",\"client_cert\":\"";
      append_json_escaped(out, r.client_cert);
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
  if (r.operation.empty())
    out += '-';
  else
    append_json_escaped(out, r.operation);  // an operationId may hold any character
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
