#include "brrt/observe/trace_context.hpp"

#include <random>

#include "brrt/core/ascii.hpp"

namespace brrt::observe {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool lower_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// `n` lowercase hex digits, not all '0'.
bool hex_id(std::string_view s, std::size_t at, std::size_t n) noexcept {
  bool nonzero = false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!lower_hex(s[i])) return false;
    nonzero = nonzero || s[i] != '0';
  }
  return nonzero;
}

template <std::size_t N>
void write_hex(std::array<char, N>& out, std::size_t at, std::uint64_t v) noexcept {
  for (std::size_t i = 0; i < 16; ++i) out[at + i] = kHex[(v >> (60 - 4 * i)) & 0xF];
}

std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

TraceIdGenerator::TraceIdGenerator() {
  std::random_device rd;
  // splitmix64 over the device's output spreads the seed over all 256 bits of state.
  std::uint64_t seed = (std::uint64_t{rd()} << 32) ^ rd();
  for (auto& word : s_) {
    seed += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    word = z ^ (z >> 31);
  }
}

std::uint64_t TraceIdGenerator::next() noexcept {
  for (;;) {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    if (result != 0) return result;
  }
}

bool valid_traceparent(std::string_view h) noexcept {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  if (!lower_hex(h[0]) || !lower_hex(h[1]) || (h[0] == 'f' && h[1] == 'f')) return false;
  if (!hex_id(h, 3, 32) || !hex_id(h, 36, 16)) return false;
  if (!lower_hex(h[53]) || !lower_hex(h[54])) return false;
  // Version 00 is exactly 55 characters; a later version may append fields after a '-'.
  if (h[0] == '0' && h[1] == '0') return h.size() == 55;
  return h.size() == 55 || h[55] == '-';
}

TraceContext TraceContext::from_header(std::optional<std::string_view> traceparent,
                                       TraceIdGenerator& ids) {
  TraceContext t;
  if (traceparent && valid_traceparent(*traceparent)) {
    const std::string_view h = *traceparent;
    for (std::size_t i = 0; i < 32; ++i) t.trace_id[i] = h[3 + i];
    for (std::size_t i = 0; i < 16; ++i) t.parent_id[i] = h[36 + i];
    t.flags = static_cast<std::uint8_t>(hex_digit_value(h[53]) << 4 | hex_digit_value(h[54]));
    t.has_parent = true;
  } else {
    write_hex(t.trace_id, 0, ids.next());
    write_hex(t.trace_id, 16, ids.next());
  }
  write_hex(t.span_id, 0, ids.next());
  return t;
}

std::string TraceContext::traceparent() const {
  std::string out = "00-";
  out.append(trace_id.data(), trace_id.size());
  out += '-';
  out.append(span_id.data(), span_id.size());
  out += '-';
  out += kHex[flags >> 4];
  out += kHex[flags & 0xF];
  return out;
}

}  // namespace brrt::observe
