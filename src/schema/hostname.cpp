#include "schema/hostname.hpp"

#include <string>
#include <vector>

#include "brrt/core/ascii.hpp"
#include "schema/regex.hpp"

namespace brrt::schema::detail {

namespace {

using CodePoints = std::vector<char32_t>;

bool decode_utf8(std::string_view s, CodePoints& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    std::size_t n;
    if (c < 0x80)
      cp = c, n = 1;
    else if ((c >> 5) == 6)
      cp = c & 0x1F, n = 2;
    else if ((c >> 4) == 14)
      cp = c & 0x0F, n = 3;
    else if ((c >> 3) == 30)
      cp = c & 0x07, n = 4;
    else
      return false;
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(cp);
    i += n;
  }
  return true;
}

std::string encode_utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// RFC 3492 Punycode.
constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700,
                        kInitialBias = 72, kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

bool punycode_decode(std::string_view in, CodePoints& out) {
  std::uint32_t n = kInitialN, i = 0, bias = kInitialBias;
  const std::size_t dash = in.rfind('-');
  std::size_t pos = 0;
  if (dash != std::string_view::npos) {
    for (std::size_t k = 0; k < dash; ++k) {
      if (static_cast<unsigned char>(in[k]) >= 0x80) return false;
      out.push_back(static_cast<char32_t>(in[k]));
    }
    pos = dash + 1;
  }
  while (pos < in.size()) {
    const std::uint32_t old_i = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (pos >= in.size()) return false;
      const char c = in[pos++];
      std::uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = static_cast<std::uint32_t>(c - '0' + 26);
      else if (c >= 'a' && c <= 'z')
        digit = static_cast<std::uint32_t>(c - 'a');
      else if (c >= 'A' && c <= 'Z')
        digit = static_cast<std::uint32_t>(c - 'A');
      else
        return false;
      if (digit > (UINT32_MAX - i) / w) return false;
      i += digit * w;
      const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
      if (digit < t) break;
      if (w > UINT32_MAX / (kBase - t)) return false;
      w *= kBase - t;
    }
    const auto count = static_cast<std::uint32_t>(out.size() + 1);
    bias = adapt(i - old_i, count, old_i == 0);
    if (i / count > UINT32_MAX - n) return false;
    n += i / count;
    i %= count;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return false;
    out.insert(out.begin() + i, n);
    ++i;
  }
  return true;
}

std::string punycode_encode(const CodePoints& in) {
  std::string out;
  for (char32_t c : in)
    if (c < 0x80) out += static_cast<char>(c);
  const std::size_t basic = out.size();
  std::size_t handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  while (handled < in.size()) {
    std::uint32_t m = UINT32_MAX;
    for (char32_t c : in)
      if (c >= n && c < m) m = c;
    delta += (m - n) * static_cast<std::uint32_t>(handled + 1);
    n = m;
    for (char32_t c : in) {
      if (c < n) ++delta;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
        if (q < t) break;
        out += digit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += digit(q);
      bias = adapt(delta, static_cast<std::uint32_t>(handled + 1), handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

// A Unicode property test on one code point, through PCRE2.
class CodePointClass {
 public:
  explicit CodePointClass(std::string_view cls) {
    std::string error;
    regex_ = Regex::compile("^" + std::string(cls) + "$", error);
  }
  bool operator()(char32_t cp) const { return regex_ && regex_->search(encode_utf8(cp)); }

 private:
  std::shared_ptr<const Regex> regex_;
};

const CodePointClass& mark() {
  static const CodePointClass c("\\p{M}");
  return c;
}
const CodePointClass& greek() {
  static const CodePointClass c("\\p{Greek}");
  return c;
}
const CodePointClass& hebrew() {
  static const CodePointClass c("\\p{Hebrew}");
  return c;
}
const CodePointClass& kana_han() {
  static const CodePointClass c("[\\p{Hiragana}\\p{Katakana}\\p{Han}]");
  return c;
}
// Scripts written right to left (Bidi classes R and AL for their letters).
const CodePointClass& rtl_letter() {
  static const CodePointClass c(
      "[\\p{Hebrew}\\p{Arabic}\\p{Syriac}\\p{Thaana}\\p{Nko}\\p{Samaritan}\\p{Mandaic}]");
  return c;
}
// What IDNA2008 disallows outright (approximated by general category).
const CodePointClass& disallowed() {
  static const CodePointClass c(
      "[\\p{Cc}\\p{Cf}\\p{Cn}\\p{Co}\\p{Cs}\\p{Z}\\p{S}\\p{P}\\p{Lu}\\p{Lt}]");
  return c;
}

bool is_virama(char32_t c) {
  static constexpr char32_t kViramas[] = {
      0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B, 0x0D3C, 0x0D4D,
      0x0DCA, 0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714, 0x1734, 0x17D2, 0x1A60, 0x1B44,
      0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED};
  for (char32_t v : kViramas)
    if (v == c) return true;
  return false;
}

bool is_arabic_indic(char32_t c) {
  return c >= 0x0660 && c <= 0x0669;
}
bool is_extended_arabic_indic(char32_t c) {
  return c >= 0x06F0 && c <= 0x06F9;
}

enum class Bidi { L, R, AN, EN, NSM, Other };

Bidi bidi_class(char32_t c) {
  if (c >= '0' && c <= '9') return Bidi::EN;
  if (c == 0x200C || c == 0x200D) return Bidi::Other;  // BN
  if (is_extended_arabic_indic(c)) return Bidi::EN;
  if (is_arabic_indic(c) || (c >= 0x0600 && c <= 0x0605) || c == 0x066B || c == 0x066C ||
      c == 0x06DD)
    return Bidi::AN;
  if (c < 0x80) return (c == '-') ? Bidi::Other : Bidi::L;
  if (mark()(c)) return Bidi::NSM;
  if (rtl_letter()(c)) return Bidi::R;
  return Bidi::L;
}

// RFC 5891/5892 rules on one U-label (code points).
bool check_u_label(const CodePoints& label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') return false;
  if (mark()(label.front())) return false;
  bool arabic_indic = false, extended = false;
  for (std::size_t i = 0; i < label.size(); ++i) {
    const char32_t c = label[i];
    const char32_t before = i > 0 ? label[i - 1] : 0;
    const char32_t after = i + 1 < label.size() ? label[i + 1] : 0;
    if (c < 0x80) {
      const bool ldh =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh) return false;
      continue;
    }
    switch (c) {
      case 0x0640:
      case 0x07FA:
      case 0x302E:
      case 0x302F:
      case 0x3031:
      case 0x3032:
      case 0x3033:
      case 0x3034:
      case 0x3035:
      case 0x303B:
        return false;
      case 0x00DF:
      case 0x03C2:
      case 0x06FD:
      case 0x06FE:
      case 0x0F0B:
      case 0x3007:
        continue;  // PVALID exceptions
      case 0x00B7:
        if (before != 'l' || after != 'l') return false;
        continue;
      case 0x0375:
        if (after == 0 || !greek()(after)) return false;
        continue;
      case 0x05F3:
      case 0x05F4:
        if (before == 0 || !hebrew()(before)) return false;
        continue;
      case 0x30FB: {
        bool any = false;
        for (char32_t o : label) any = any || (o != 0x30FB && kana_han()(o));
        if (!any) return false;
        continue;
      }
      case 0x200D:
        if (!is_virama(before)) return false;
        continue;
      case 0x200C:
        // Virama before, or (approximately) joining letters on both sides.
        if (!is_virama(before) &&
            !(before != 0 && after != 0 && rtl_letter()(before) && rtl_letter()(after)))
          return false;
        continue;
      default:
        break;
    }
    if (is_arabic_indic(c)) arabic_indic = true;
    if (is_extended_arabic_indic(c)) extended = true;
    if (disallowed()(c)) return false;
  }
  return !(arabic_indic && extended);
}

// RFC 5893: labels of a domain that contains right-to-left characters.
bool check_bidi(const CodePoints& label) {
  if (label.empty()) return true;
  const Bidi first = bidi_class(label.front());
  if (first != Bidi::L && first != Bidi::R) return false;
  std::size_t end = label.size();
  while (end > 0 && bidi_class(label[end - 1]) == Bidi::NSM) --end;
  if (end == 0) return false;
  const Bidi last = bidi_class(label[end - 1]);
  if (first == Bidi::R) {
    bool en = false, an = false;
    for (char32_t c : label) {
      const Bidi b = bidi_class(c);
      if (b == Bidi::L) return false;
      en = en || b == Bidi::EN;
      an = an || b == Bidi::AN;
    }
    if (en && an) return false;
    return last == Bidi::R || last == Bidi::EN || last == Bidi::AN;
  }
  for (char32_t c : label) {
    const Bidi b = bidi_class(c);
    if (b == Bidi::R || b == Bidi::AN) return false;
  }
  return last == Bidi::L || last == Bidi::EN;
}

bool has_rtl(const CodePoints& label) {
  for (char32_t c : label) {
    const Bidi b = bidi_class(c);
    if (b == Bidi::R || b == Bidi::AN) return true;
  }
  return false;
}

bool is_separator(char32_t c, bool idn) {
  return c == '.' || (idn && (c == 0x3002 || c == 0xFF0E || c == 0xFF61));
}

}  // namespace

bool check_hostname(std::string_view s, bool idn) {
  CodePoints all;
  if (!decode_utf8(s, all) || all.empty()) return false;
  std::vector<CodePoints> labels(1);
  for (char32_t c : all) {
    if (is_separator(c, idn))
      labels.emplace_back();
    else
      labels.back().push_back(c);
  }
  // Length of the A-label form (what DNS sees), 253 octets at most.
  std::size_t total = labels.size() - 1;
  bool rtl = false;
  std::vector<CodePoints> unicode;
  for (const CodePoints& label : labels) {
    if (label.empty()) return false;  // leading, trailing or doubled separator
    bool ascii = true;
    for (char32_t c : label) ascii = ascii && c < 0x80;
    if (!ascii && !idn) return false;
    if (ascii) {
      std::string text(label.begin(), label.end());
      if (text.size() > 63) return false;
      for (char c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
          return false;
      if (text.front() == '-' || text.back() == '-') return false;
      total += text.size();
      const bool a_label = text.size() >= 4 && (text[0] == 'x' || text[0] == 'X') &&
                           (text[1] == 'n' || text[1] == 'N') && text[2] == '-' && text[3] == '-';
      if (a_label) {
        CodePoints decoded;
        if (!punycode_decode(std::string_view(text).substr(4), decoded)) return false;
        if (decoded.empty()) return false;
        std::string lower(text.substr(4));
        to_lower_ascii(lower);
        if (punycode_encode(decoded) != lower) return false;  // not canonical
        if (!check_u_label(decoded)) return false;
        rtl = rtl || has_rtl(decoded);
        unicode.push_back(std::move(decoded));
      } else {
        if (text.size() >= 4 && text[2] == '-' && text[3] == '-') return false;
        unicode.push_back(label);
      }
      continue;
    }
    if (!check_u_label(label)) return false;
    const std::size_t a_label = 4 + punycode_encode(label).size();
    if (a_label > 63) return false;
    total += a_label;
    if (total > 253 + labels.size()) return false;
    rtl = rtl || has_rtl(label);
    unicode.push_back(label);
  }
  if (total > 253) return false;
  if (rtl)
    for (const CodePoints& label : unicode)
      if (!check_bidi(label)) return false;
  return true;
}

}  // namespace brrt::schema::detail
