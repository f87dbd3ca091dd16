#include "brrt/observe/access_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/json/parse.hpp>
#include <cstdio>

namespace brrt::observe {
namespace {

AccessRecord sample() {
  AccessRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764042000123));
  r.method = "GET";
  r.target = "/pets/42?x=\"1\"";
  r.operation = "getPet";
  r.status = 200;
  r.bytes_out = 51;
  r.duration = std::chrono::microseconds(1500);
  r.remote = "127.0.0.1:5000";
  return r;
}

TEST(AccessLog, JsonLineParsesBack) {
  std::string line;
  AccessLog(LogFormat::Json, -1).format(sample(), line);
  ASSERT_EQ(line.back(), '\n');
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["time"].as_string(), "2025-11-25T03:40:00.123Z");
  EXPECT_EQ(v["method"].as_string(), "GET");
  EXPECT_EQ(v["target"].as_string(), "/pets/42?x=\"1\"");
  EXPECT_EQ(v["operation"].as_string(), "getPet");
  EXPECT_EQ(v["status"].as_int64(), 200);
  EXPECT_EQ(v["bytes"].as_int64(), 51);
  EXPECT_DOUBLE_EQ(v["duration_ms"].as_double(), 1.5);
}

TEST(AccessLog, HostileTargetStaysOneValidJsonLine) {
  auto r = sample();
  const std::string target = std::string("/a\nb\r\x01\xff\xc3", 8) + "\\";
  r.target = target;
  r.operation = {};
  std::string line;
  AccessLog(LogFormat::Json, -1).format(r, line);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["target"].as_string(), "/a\nb\r\x01\xEF\xBF\xBD\xEF\xBF\xBD\\");
  EXPECT_TRUE(v["operation"].is_null());
}

// The escape byte by byte, each byte on its own (bytes >= 0x80 here are never valid UTF-8).
std::string reference_escape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      char u[8];
      std::snprintf(u, sizeof u, "\\u%04x", c);
      out += u;
    } else if (c >= 0x80) {
      out += "\xEF\xBF\xBD";  // lone bytes here: never a valid sequence
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// append_json_escaped skips printable ASCII eight bytes at a time; every byte value at every
// position of a longer string must come out as the byte-by-byte escaping gives it, and the
// result must parse back as JSON to the original text (invalid UTF-8 as U+FFFD).
TEST(JsonEscape, EveryByteAtEveryPositionMatchesTheByteByByteEscape) {
  const std::string text = "the quick brown fox jumps over";
  for (int b = 0; b < 256; ++b) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      std::string s = text;
      s[at] = static_cast<char>(b);
      std::string out;
      append_json_escaped(out, s);
      ASSERT_EQ(out, reference_escape(s)) << "byte " << b << " at " << at;
    }
  }
  // Valid multi-byte sequences are kept, wherever they fall relative to the 8-byte words.
  for (std::size_t at = 0; at < 12; ++at) {
    const std::string s =
        std::string(at, 'x') + "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80" + "tail-of-it";
    std::string out;
    append_json_escaped(out, s);
    EXPECT_EQ(out, s);
    const std::string quoted = "\"" + out + "\"";
    EXPECT_EQ(boost::json::parse(quoted).as_string(), s);
  }
}

// write_json_escaped copies clean words as it checks them and ends with the last eight bytes
// as one word when they are clean: every length, with two bytes to escape anywhere (so that
// the last word can overlap an escaped byte), gives the byte-by-byte escape.
TEST(JsonEscape, WriteMatchesTheByteByByteEscapeAtEveryLength) {
  for (std::size_t n = 0; n <= 24; ++n) {
    for (std::size_t a = 0; a <= n; ++a) {
      for (std::size_t b = a; b <= n; ++b) {
        std::string s(n, 'x');
        for (std::size_t k = 0; k < n; ++k) s[k] = static_cast<char>('a' + k % 26);
        if (a < n) s[a] = '"';
        if (b < n) s[b] = '\x01';
        std::string out(kMaxJsonEscapeGrowth * n, '?');
        out.resize(static_cast<std::size_t>(write_json_escaped(out.data(), s) - out.data()));
        ASSERT_EQ(out, reference_escape(s)) << n << " " << a << " " << b;
      }
    }
  }
}

// Long texts are escaped in slices: a valid sequence that straddles a slice's end is kept,
// and a stray continuation byte stays one replacement character, wherever the slice ends.
TEST(JsonEscape, LongTextsKeepSequencesAcrossSlices) {
  for (const std::string seq : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    for (std::size_t at = 240; at < 270; ++at) {
      std::string s = std::string(at, 'a') + seq + std::string(300, 'b') + seq + "\"";
      std::string out;
      append_json_escaped(out, s);
      EXPECT_EQ(boost::json::parse("\"" + out + "\"").as_string(), s) << seq.size() << " at " << at;
    }
  }
  for (std::size_t at = 250; at < 262; ++at) {
    const std::string s = std::string(at, 'a') + "\xF0\x9F\x98\x80\x80\x80" + std::string(600, 'c');
    std::string out;
    append_json_escaped(out, s);
    EXPECT_EQ(out, std::string(at, 'a') + "\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD" +
                       std::string(600, 'c'))
        << at;
  }
}

TEST(AccessLog, TextLine) {
  std::string line;
  AccessLog(LogFormat::Text, -1).format(sample(), line);
  EXPECT_EQ(line,
            "2025-11-25T03:40:00.123Z 127.0.0.1:5000 \"GET /pets/42?x=\\\"1\\\"\" 200 51 1.500ms "
            "getPet\n");
}

TEST(AccessLog, TraceIdsInBothFormats) {
  auto r = sample();
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.span_id = "00f067aa0ba902b7";
  std::string line;
  AccessLog(LogFormat::Json, -1).format(r, line);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["trace_id"].as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(v["span_id"].as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(v["status"].as_int64(), 200);
  AccessLog(LogFormat::Text, -1).format(r, line);
  EXPECT_EQ(line,
            "2025-11-25T03:40:00.123Z 127.0.0.1:5000 \"GET /pets/42?x=\\\"1\\\"\" 200 51 1.500ms "
            "getPet 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7\n");
  // Without ids (a record made by other code), neither format mentions them.
  AccessLog(LogFormat::Json, -1).format(sample(), line);
  EXPECT_EQ(line.find("trace_id"), std::string::npos);
}

TEST(AccessLog, UserAgentInJsonEscaped) {
  auto r = sample();
  r.user_agent = "curl/7.88.1 \"quoted\"\x01";
  std::string line;
  AccessLog(LogFormat::Json, -1).format(r, line);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["user_agent"].as_string(), "curl/7.88.1 \"quoted\"\x01");
  AccessLog(LogFormat::Json, -1).format(sample(), line);
  EXPECT_EQ(line.find("user_agent"), std::string::npos);  // absent header, absent field
}

TEST(AccessLog, ClientCertificateSubjectInJson) {
  auto r = sample();
  r.client_cert = "CN=alice,O=Example \"Corp\"";
  std::string line;
  AccessLog(LogFormat::Json, -1).format(r, line);
  EXPECT_EQ(boost::json::parse(line).at("client_cert").as_string(), "CN=alice,O=Example \"Corp\"");
  AccessLog(LogFormat::Json, -1).format(sample(), line);
  EXPECT_EQ(line.find("client_cert"), std::string::npos);  // none presented, no field
}

TEST(AccessLog, WritesWholeLinesToTheDescriptor) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string scratch;
  AccessLog log(LogFormat::Json, fds[1]);
  log.write(sample(), scratch);
  log.write(sample(), scratch);
  close(fds[1]);
  std::string got;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 2);
  EXPECT_EQ(got.substr(0, got.size() / 2), got.substr(got.size() / 2));
}

}  // namespace
}  // namespace brrt::observe
