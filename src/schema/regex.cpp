#include "schema/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace brrt::schema::detail {

namespace {

// ECMA-262 WhiteSpace and LineTerminator code points beyond ASCII \s.
constexpr std::string_view kEcmaSpaceClass =
    "\\s\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}";

// ECMA-262 `.` (no `s` flag: JSON Schema patterns have no flags): any code point but the four
// line terminators. PCRE2's `.` excludes only its newline sequence, so it would match "\r",
// U+2028 and U+2029.
constexpr std::string_view kEcmaDot = "[^\\n\\r\\x{2028}\\x{2029}]";

// Bounds backtracking so a hostile instance string cannot pin a core.
constexpr std::uint32_t kMatchLimit = 1'000'000;
constexpr std::uint32_t kDepthLimit = 10'000;

pcre2_match_context* shared_match_context() {
  // Read-only after creation: PCRE2 only reads a match context during a match.
  static pcre2_match_context* context = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, kMatchLimit);
    pcre2_set_depth_limit(c, kDepthLimit);
    return c;
  }();
  return context;
}

struct ThreadMatchData {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  ~ThreadMatchData() { pcre2_match_data_free(data); }
};

// ECMA-262 property names PCRE2 does not know by their long names.
std::string_view pcre2_property(std::string_view name) {
  if (const std::size_t eq = name.find('='); eq != std::string_view::npos) {
    const std::string_view key = name.substr(0, eq);
    name = name.substr(eq + 1);
    if (key == "Script" || key == "sc" || key == "Script_Extensions" || key == "scx") return name;
  }
  struct Alias {
    std::string_view ecma, pcre;
  };
  static constexpr Alias kAliases[] = {
      {"Letter", "L"},
      {"Cased_Letter", "L&"},
      {"Uppercase_Letter", "Lu"},
      {"Lowercase_Letter", "Ll"},
      {"Titlecase_Letter", "Lt"},
      {"Modifier_Letter", "Lm"},
      {"Other_Letter", "Lo"},
      {"Mark", "M"},
      {"Combining_Mark", "M"},
      {"Nonspacing_Mark", "Mn"},
      {"Spacing_Mark", "Mc"},
      {"Enclosing_Mark", "Me"},
      {"Number", "N"},
      {"Decimal_Number", "Nd"},
      {"digit", "Nd"},
      {"Letter_Number", "Nl"},
      {"Other_Number", "No"},
      {"Punctuation", "P"},
      {"punct", "P"},
      {"Connector_Punctuation", "Pc"},
      {"Dash_Punctuation", "Pd"},
      {"Open_Punctuation", "Ps"},
      {"Close_Punctuation", "Pe"},
      {"Initial_Punctuation", "Pi"},
      {"Final_Punctuation", "Pf"},
      {"Other_Punctuation", "Po"},
      {"Symbol", "S"},
      {"Math_Symbol", "Sm"},
      {"Currency_Symbol", "Sc"},
      {"Modifier_Symbol", "Sk"},
      {"Other_Symbol", "So"},
      {"Separator", "Z"},
      {"Space_Separator", "Zs"},
      {"Line_Separator", "Zl"},
      {"Paragraph_Separator", "Zp"},
      {"Other", "C"},
      {"Control", "Cc"},
      {"cntrl", "Cc"},
      {"Format", "Cf"},
      {"Surrogate", "Cs"},
      {"Private_Use", "Co"},
      {"Unassigned", "Cn"},
  };
  for (const Alias& a : kAliases)
    if (a.ecma == name) return a.pcre;
  return name;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The value of `\uXXXX` at `at` (the backslash), or -1 when there is none.
long hex4_escape(std::string_view in, std::size_t at) {
  if (at + 5 >= in.size() || in[at] != '\\' || in[at + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t k = at + 2; k < at + 6; ++k) {
    if (!is_hex(in[k])) return -1;
    v = v * 16 + (in[k] <= '9' ? in[k] - '0' : (in[k] | 0x20) - 'a' + 10);
  }
  return v;
}

bool is_surrogate(long v) {
  return v >= 0xD800 && v <= 0xDFFF;
}

std::string hex(unsigned long v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v % 16]);
    v /= 16;
  } while (v != 0);
  return out;
}

std::string lone_surrogate(std::string_view escape, std::size_t offset) {
  return "lone surrogate " + std::string(escape) + " at offset " + std::to_string(offset) +
         ": a UTF-8 string never holds one (a pair like \\uD83D\\uDE00 stands for U+1F600; "
         "write a code point above U+FFFF as such a pair or as \\u{1F600})";
}

}  // namespace

std::string translate_ecma_regex(std::string_view in, std::string& error) {
  std::string out;
  out.reserve(in.size() + 16);
  bool in_class = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\\' && i + 1 < in.size()) {
      const char n = in[i + 1];
      if (n == 's') {
        if (in_class) {
          out += kEcmaSpaceClass;
        } else {
          out += '[';
          out += kEcmaSpaceClass;
          out += ']';
        }
        ++i;
        continue;
      }
      if (n == 'S' && !in_class) {
        out += "[^";
        out += kEcmaSpaceClass;
        out += ']';
        ++i;
        continue;
      }
      if ((n == 'p' || n == 'P') && i + 2 < in.size() && in[i + 2] == '{') {
        const std::size_t close = in.find('}', i + 3);
        if (close != std::string_view::npos) {
          out += '\\';
          out += n;
          out += '{';
          out += pcre2_property(in.substr(i + 3, close - (i + 3)));
          out += '}';
          i = close;
          continue;
        }
      }
      if (n == 'u') {
        // \uXXXX and \u{X...} -> \x{...}. The patterns match UTF-8 text, so code points:
        // a high and a low surrogate escape (ECMA's `u` semantics) are the one code point they
        // encode, and a lone surrogate could never match (PCRE2 refuses it as "disallowed
        // Unicode code point", which does not say why).
        if (const long v = hex4_escape(in, i); v >= 0) {
          if (v >= 0xD800 && v <= 0xDBFF) {
            if (const long low = hex4_escape(in, i + 6); low >= 0xDC00 && low <= 0xDFFF) {
              out += "\\x{";
              out += hex(0x10000 + ((static_cast<unsigned long>(v) - 0xD800) << 10) +
                         (static_cast<unsigned long>(low) - 0xDC00));
              out += '}';
              i += 11;
              continue;
            }
          }
          if (is_surrogate(v)) {
            error = lone_surrogate(in.substr(i, 6), i);
            return {};
          }
          out += "\\x{";
          out.append(in.substr(i + 2, 4));
          out += '}';
          i += 5;
          continue;
        }
        if (i + 2 < in.size() && in[i + 2] == '{') {
          const std::size_t close = in.find('}', i + 3);
          if (close != std::string_view::npos) {
            const std::string_view digits = in.substr(i + 3, close - (i + 3));
            long v = 0;
            bool all_hex = !digits.empty() && digits.size() <= 6;
            for (char d : digits) {
              all_hex = all_hex && is_hex(d);
              if (all_hex) v = v * 16 + (d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
            }
            if (all_hex && is_surrogate(v)) {
              error = lone_surrogate(in.substr(i, close + 1 - i), i);
              return {};
            }
            out += "\\x{";
            out.append(digits);
            out += '}';
            i = close;
            continue;
          }
        }
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A leading ']' (or '^]') is literal in PCRE2 but closes an empty class in ECMA; the
      // empty classes are handled by PCRE2_ALLOW_EMPTY_CLASS.
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    if (c == '.' && !in_class) {
      out += kEcmaDot;
      continue;
    }
    out += c;
  }
  return out;
}

std::shared_ptr<const Regex> Regex::compile(std::string_view ecma_source, std::string& error) {
  error.clear();
  const std::string translated = translate_ecma_regex(ecma_source, error);
  // Offsets in errors found while translating are the pattern's own; PCRE2's are into the
  // translation.
  if (!error.empty()) return nullptr;
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                 PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS, &code,
                                 &offset, nullptr);
  if (re == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    error =
        std::string(reinterpret_cast<const char*>(buffer)) + " at offset " + std::to_string(offset);
    return nullptr;
  }
  // JIT is an optimisation: without it (unsupported CPU) the interpreter is used.
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  std::shared_ptr<Regex> r(new Regex());
  r->source_ = std::string(ecma_source);
  r->code_ = re;
  return r;
}

Regex::~Regex() {
  pcre2_code_free(static_cast<pcre2_code*>(code_));
}

bool Regex::search(std::string_view subject) const noexcept {
  thread_local ThreadMatchData match;
  if (match.data == nullptr) return false;
  const int rc =
      pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                  subject.size(), 0, 0, match.data, shared_match_context());
  return rc >= 0;
}

}  // namespace brrt::schema::detail
