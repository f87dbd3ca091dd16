// Documents: YAML or JSON text parsed into Boost.JSON values, with lazy source positions.
#include "brrt/spec/document.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "brrt/core/json_pointer.hpp"
#include "brrt/core/utf8.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "core/json_duplicate_key.hpp"
#include "core/json_value_handler.hpp"

namespace brrt::spec {

namespace json = boost::json;

// yaml-cpp keeps each node's Mark; the YAML tree is kept so `locate` can walk it lazily.
struct Document::YamlIndex {
  YAML::Node root;
};

Document::~Document() = default;

namespace {

// Nesting deeper than this is rejected when converting YAML (the conversion recurses).
constexpr int kMaxDepth = 1000;

SourceLocation location_of_offset(std::string_view text, std::size_t offset) {
  SourceLocation loc{1, 1};
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

[[noreturn]] void syntax_error(const std::string& path, SourceLocation loc, std::string message,
                               std::string hint) {
  Diagnostic d;
  d.file = path;
  d.line = loc.line;
  d.column = loc.column;
  d.message = std::move(message);
  d.hint = std::move(hint);
  throw SpecError({std::move(d)});
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// YAML 1.2 core schema resolution of a plain scalar.
json::value resolve_plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::string_view v = s;
  const bool neg = v.front() == '-';
  std::string_view digits = (v.front() == '-' || v.front() == '+') ? v.substr(1) : v;
  if (all_of(digits, is_digit)) {
    if (neg) {
      std::int64_t i = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), i);
      if (r.ec == std::errc() && r.ptr == v.data() + v.size()) return i;
    } else {
      std::uint64_t u = 0;
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u);
      if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          return static_cast<std::int64_t>(u);
        return u;
      }
    }
    return std::strtod(s.c_str(), nullptr);  // beyond 64 bits: keep the magnitude
  }
  if (v.size() > 2 && v[0] == '0' && v[1] == 'x' && all_of(v.substr(2), is_hex)) {
    std::uint64_t u = 0;
    auto r = std::from_chars(v.data() + 2, v.data() + v.size(), u, 16);
    if (r.ec == std::errc())
      return u <= INT64_MAX ? json::value(static_cast<std::int64_t>(u)) : json::value(u);
  }
  if (v.size() > 2 && v[0] == '0' && v[1] == 'o' && all_of(v.substr(2), is_octal)) {
    std::uint64_t u = 0;
    auto r = std::from_chars(v.data() + 2, v.data() + v.size(), u, 8);
    if (r.ec == std::errc())
      return u <= INT64_MAX ? json::value(static_cast<std::int64_t>(u)) : json::value(u);
  }
  if (digits == ".inf" || digits == ".Inf" || digits == ".INF")
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  {
    std::size_t i = 0;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < v.size() && is_digit(v[i])) ++i, ++int_digits;
    bool dot = false;
    if (i < v.size() && v[i] == '.') {
      dot = true;
      ++i;
      while (i < v.size() && is_digit(v[i])) ++i, ++frac_digits;
    }
    bool ok = int_digits > 0 || (dot && frac_digits > 0);
    if (ok && i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
      ++i;
      if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
      std::size_t exp_digits = 0;
      while (i < v.size() && is_digit(v[i])) ++i, ++exp_digits;
      ok = exp_digits > 0;
    }
    if (ok && i == v.size() && (dot || v.find_first_of("eE") != std::string_view::npos))
      return std::strtod(s.c_str(), nullptr);
  }
  return json::string(s);
}

// What YAML aliases may expand a document to: a budget of values proportional to the text, so
// a few hundred bytes of nested aliases (a "billion laughs") cannot make gigabytes of JSON. An
// alias is a pointer in yaml-cpp's tree but a copy in the converted document. A value counts
// one, plus one per 16 bytes of a string, so long aliased strings count too. Text without
// aliases converts to about one value per two bytes at most; the budget is eight times that
// plus a million values (tens of megabytes) for small documents that share a lot.
constexpr std::size_t kAliasBudgetBase = 1'000'000;
constexpr std::size_t kAliasBudgetPerByte = 4;

struct YamlConverter {
  const std::string& path;
  std::size_t budget;  // values the conversion may still produce
  std::size_t limit;   // the budget it started with (for the message)
  // Positions of the collections converted so far: a collection met again is an alias's copy.
  std::unordered_set<std::size_t> converted;
  // The quoted scalar that starts last in the text (yaml-cpp accepts one left open at the end
  // of the input, so `Document::parse` checks that this one is closed).
  std::size_t last_quoted = std::string::npos;

  YamlConverter(const std::string& p, std::size_t text_size)
      : path(p),
        budget(kAliasBudgetBase + kAliasBudgetPerByte * text_size),
        limit(kAliasBudgetBase + kAliasBudgetPerByte * text_size) {}

  static SourceLocation loc(const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    return {m.line + 1, m.column + 1};
  }

  // Takes `cost` from the budget; `use` is where the alias whose copy is being made is used
  // (or the value itself when it is no copy).
  void spend(std::size_t cost, SourceLocation use) {
    if (cost <= budget) {
      budget -= cost;
      return;
    }
    syntax_error(path, use,
                 "YAML aliases expand the document to more than " + std::to_string(limit) +
                     " values (each use of an alias copies its anchor's whole value; the limit "
                     "is 1,000,000 values plus 4 per byte of text)",
                 "share repeated parts with $ref instead of YAML anchors and aliases");
  }

  void note_scalar(const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    if (m.pos >= 0 && n.Tag() == "!" &&
        (last_quoted == std::string::npos || static_cast<std::size_t>(m.pos) > last_quoted))
      last_quoted = static_cast<std::size_t>(m.pos);
  }

  // `use`: where to report an expansion beyond the budget: the value's own position, or, in
  // an alias's copy (`copy`), where the alias is used.
  json::value convert(const YAML::Node& n, int depth, SourceLocation use, bool copy) {
    if (depth > kMaxDepth)
      syntax_error(path, loc(n), "nesting deeper than " + std::to_string(kMaxDepth) + " levels",
                   "flatten the document or use $ref");
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        spend(1, use);
        return nullptr;
      case YAML::NodeType::Scalar: {
        spend(1 + n.Scalar().size() / 16, use);
        note_scalar(n);
        const std::string& tag = n.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return json::string(n.Scalar());
        if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
            tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null" || tag == "?" ||
            tag.empty()) {
          json::value v = resolve_plain_scalar(n.Scalar());
          // JSON has no infinity or NaN: served as /openapi.json or as an example, such a
          // value would be written as `Infinity`, which no JSON parser reads.
          if (v.is_double() && !std::isfinite(v.get_double()))
            syntax_error(path, loc(n),
                         "'" + n.Scalar() +
                             "' is not a finite number, which JSON (and so OpenAPI) cannot hold",
                         "write a finite number, or quote it to make it a string");
          return v;
        }
        return json::string(n.Scalar());  // unknown local tags: keep the text
      }
      case YAML::NodeType::Sequence: {
        spend(1, use);
        json::array a;
        a.reserve(n.size());
        for (const auto& item : n) {
          const bool item_copy = copy || is_copy(item);
          a.push_back(convert(item, depth + 1, item_copy || !is_collection(item) ? use : loc(item),
                              item_copy));
        }
        return a;
      }
      case YAML::NodeType::Map: {
        spend(1, use);
        json::object o;
        o.reserve(n.size());
        for (const auto& kv : n) {
          if (!kv.first.IsScalar())
            syntax_error(path, loc(kv.first), "mapping keys must be scalars",
                         "OpenAPI documents only use string keys");
          const std::string& key = kv.first.Scalar();
          note_scalar(kv.first);
          if (o.contains(key))
            syntax_error(path, loc(kv.first), "duplicate mapping key '" + key + "'",
                         "each key may appear once in a mapping; merge the two entries");
          // A value that is an alias's copy is blamed on its key.
          const bool value_copy = copy || is_copy(kv.second);
          o.emplace(key, convert(kv.second, depth + 1,
                                 copy                       ? use
                                 : value_copy               ? loc(kv.first)
                                 : is_collection(kv.second) ? loc(kv.second)
                                                            : use,
                                 value_copy));
        }
        return o;
      }
    }
    return nullptr;
  }

  static bool is_collection(const YAML::Node& n) { return n.IsMap() || n.IsSequence(); }

  // Whether `n` is a collection converted before: an alias's copy. Records it otherwise.
  bool is_copy(const YAML::Node& n) {
    if (!is_collection(n) || n.Mark().pos < 0) return false;
    return !converted.insert(static_cast<std::size_t>(n.Mark().pos)).second;
  }
};

template <typename F>
bool for_each_token(std::string_view pointer, F&& f) {
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  std::size_t pos = 1;
  while (true) {
    const std::size_t next = pointer.find('/', pos);
    const std::string token = unescape_pointer_token(
        pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (!f(token)) return false;
    if (next == std::string_view::npos) return true;
    pos = next + 1;
  }
}

// --- Lazy position lookup in JSON text -------------------------------------------------

struct JsonScanner {
  std::string_view text;
  std::size_t pos = 0;

  void ws() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t'))
      ++pos;
  }
  // Reads a JSON string at pos (which is '"'), returns its decoded value (escapes other
  // than \uXXXX handled; \u escapes kept verbatim, enough to compare keys).
  std::string read_string() {
    std::string out;
    ++pos;
    while (pos < text.size() && text[pos] != '"') {
      if (text[pos] == '\\' && pos + 1 < text.size()) {
        const char e = text[pos + 1];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u':
            out += "\\u";
            break;
          default:
            out += e;
        }
        pos += 2;
      } else {
        out += text[pos++];
      }
    }
    ++pos;
    return out;
  }
  void skip_value() {
    ws();
    if (pos >= text.size()) return;
    if (text[pos] == '"') {
      read_string();
      return;
    }
    if (text[pos] == '{' || text[pos] == '[') {
      int depth = 0;
      while (pos < text.size()) {
        const char c = text[pos];
        if (c == '"') {
          read_string();
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          --depth;
          if (depth == 0) {
            ++pos;
            return;
          }
        }
        ++pos;
      }
      return;
    }
    while (pos < text.size() && text[pos] != ',' && text[pos] != '}' && text[pos] != ']') ++pos;
  }
  // Moves to the value for `token` inside the container at pos; false when absent.
  bool enter(const std::string& token) {
    ws();
    if (pos >= text.size()) return false;
    if (text[pos] == '{') {
      ++pos;
      while (true) {
        ws();
        if (pos >= text.size() || text[pos] != '"') return false;
        const std::size_t key_at = pos;
        const std::string key = read_string();
        ws();
        if (pos < text.size() && text[pos] == ':') ++pos;
        ws();
        if (key == token) return true;
        (void)key_at;
        skip_value();
        ws();
        if (pos < text.size() && text[pos] == ',') {
          ++pos;
          continue;
        }
        return false;
      }
    }
    if (text[pos] == '[') {
      std::size_t index = 0;
      auto r = std::from_chars(token.data(), token.data() + token.size(), index);
      if (r.ec != std::errc() || r.ptr != token.data() + token.size()) return false;
      ++pos;
      for (std::size_t i = 0;; ++i) {
        ws();
        if (i == index) return pos < text.size() && text[pos] != ']';
        skip_value();
        ws();
        if (pos < text.size() && text[pos] == ',') {
          ++pos;
          continue;
        }
        return false;
      }
    }
    return false;
  }
};

// --- Checks made while parsing ----------------------------------------------------------

// OpenAPI documents are JSON or YAML text, both UTF-8 here (RFC 8259 8.1; YAML's other
// encodings are not used for specs): a byte that is not is refused where it is, instead of
// being carried into the model and served as is at /openapi.json.
void check_utf8(const std::string& path, std::string_view text) {
  const std::size_t bad = first_invalid_utf8(text);
  if (bad == std::string_view::npos) return;
  const auto b = static_cast<unsigned char>(text[bad]);
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::string hex = std::string("0x") + kHex[b >> 4] + kHex[b & 15];
  std::string message;
  if (bad == 0 && text.size() >= 2 &&
      ((b == 0xFF && static_cast<unsigned char>(text[1]) == 0xFE) ||
       (b == 0xFE && static_cast<unsigned char>(text[1]) == 0xFF)))
    message = "the text is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8";
  else if (b >= 0x80 && b < 0xC0)
    message = "the text is not UTF-8: byte " + hex + " continues a character that was not started";
  else if (b == 0xC0 || b == 0xC1 || b >= 0xF5)
    message = "the text is not UTF-8: byte " + hex + " never appears in UTF-8";
  else
    message = "the text is not UTF-8: the character starting with byte " + hex +
              " is cut short or not well-formed";
  syntax_error(path, location_of_offset(text, bad), std::move(message),
               "save the file as UTF-8 (from Latin-1, for example: iconv -f latin1 -t utf-8)");
}

json::value parse_json(const std::string& path, std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 10000;  // the parser keeps its own stack; real specs nest deeply
  json::basic_parser<JsonValueHandler> p(opts);
  boost::system::error_code ec;
  // Stops after the first complete value and the whitespace after it; what follows is a
  // second value or garbage.
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size())
    syntax_error(path, location_of_offset(text, text.find_first_not_of(" \t\r\n", used)),
                 "invalid JSON: more text after the document's value",
                 "a JSON document holds one value; remove what follows it");
  if (ec)
    syntax_error(path, location_of_offset(text, used),
                 p.handler().out_of_range
                     ? std::string("invalid JSON: a number is beyond the range of a double")
                     : "invalid JSON: " + ec.message(),
                 "check the JSON syntax near this position");
  json::value root = p.handler().st.release();
  // RFC 8259 leaves duplicate names to the parser (Boost.JSON keeps the last); a spec that
  // has one means two things at once, so it is refused as YAML's are.
  if (count_members(root) != p.handler().keys)
    if (const auto dup = find_duplicate_key(text)) {
      const SourceLocation first = location_of_offset(text, dup->first);
      syntax_error(path, location_of_offset(text, dup->at),
                   "duplicate key '" + dup->key + "' in an object (first at line " +
                       std::to_string(first.line) + ", column " + std::to_string(first.column) +
                       ")",
                   "each key may appear once in an object; merge the two entries");
    }
  return root;
}

// yaml-cpp ends a quoted scalar that is never closed at the end of the input instead of
// refusing it (`x: "abc` as the last line is the string "abc "; `v: "1` swallows the rest of
// the document). Such a scalar always runs to the end, so only the last quoted one is checked.
void check_quote_closed(const std::string& path, std::string_view text, std::size_t at) {
  if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) return;
  const char quote = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted scalar
        continue;
      }
      return;
    }
  }
  syntax_error(path, location_of_offset(text, at),
               std::string("invalid YAML: this ") +
                   (quote == '"' ? "double-quoted" : "single-quoted") +
                   " string is never closed (it runs to the end of the file)",
               std::string("end the string with ") + quote);
}

// Where the second document of a YAML stream starts: its `---` line, or its first node.
SourceLocation second_document_at(std::string_view text, const YAML::Node& first,
                                  const YAML::Node& second) {
  const std::size_t after = first.Mark().pos > 0 ? static_cast<std::size_t>(first.Mark().pos) : 0;
  const std::size_t until = second.Mark().pos >= 0
                                ? std::min(static_cast<std::size_t>(second.Mark().pos), text.size())
                                : text.size();
  std::size_t marker = std::string_view::npos;
  for (std::size_t at = text.find("\n---", after); at != std::string_view::npos && at < until;
       at = text.find("\n---", at + 1))
    marker = at + 1;
  if (marker != std::string_view::npos) return location_of_offset(text, marker);
  return {second.Mark().line + 1, second.Mark().column + 1};
}

}  // namespace

std::shared_ptr<const Document> Document::parse(std::string text, std::string path, std::string uri,
                                                Syntax syntax) {
  auto doc = std::shared_ptr<Document>(new Document());
  doc->path_ = std::move(path);
  doc->uri_ = std::move(uri);
  // Dropped rather than skipped, so that columns on the first line and the text served at
  // /openapi.* are those of the document itself.
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  doc->is_json_ = syntax == Syntax::ByContent
                      ? first != std::string::npos && (text[first] == '{' || text[first] == '[')
                      : syntax == Syntax::Json;
  check_utf8(doc->path_, text);
  if (doc->is_json_) {
    doc->root_ = parse_json(doc->path_, text);
  } else {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(text);
    } catch (const YAML::DeepRecursion& e) {
      syntax_error(doc->path_, {e.mark.line + 1, e.mark.column + 1},
                   "YAML nested deeper than " + std::to_string(e.depth()) +
                       " levels, the YAML parser's limit",
                   "flatten the document, or move nested parts into components and $ref them");
    } catch (const YAML::Exception& e) {
      syntax_error(doc->path_, {e.mark.line + 1, e.mark.column + 1}, "invalid YAML: " + e.msg,
                   "check the indentation and quoting near this position");
    }
    if (documents.size() > 1)
      syntax_error(doc->path_, second_document_at(text, documents[0], documents[1]),
                   "more than one YAML document: a second one starts here",
                   "an OpenAPI description is one document; remove this '---' and what "
                   "follows, or put it in a file of its own");
    YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
    YamlConverter converter(doc->path_, text.size());
    (void)converter.is_copy(root);
    doc->root_ = converter.convert(root, 0, YamlConverter::loc(root), false);
    if (converter.last_quoted != std::string::npos)
      check_quote_closed(doc->path_, text, converter.last_quoted);
    doc->yaml_index_ = std::make_unique<YamlIndex>(YamlIndex{root});
  }
  doc->text_ = std::move(text);
  return doc;
}

namespace {

// The text of a spec file, or a SpecError naming it as `shown`: "the file" (the spec itself)
// or "the referenced file" (a $ref's target), with the hint for that case.
std::string read_spec_file(const std::string& path, const std::string& shown, std::string_view what,
                           std::string_view hint) {
  const auto fail = [&](std::string message) {
    Diagnostic d;
    d.file = shown;
    d.message = std::move(message);
    d.hint = hint;
    throw SpecError({std::move(d)});
  };
  // An ifstream opens a directory and then reads nothing from it: an empty document.
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec))
    fail("cannot read " + std::string(what) + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + std::string(what) + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

}  // namespace

std::shared_ptr<const Document> Document::load_file(const std::string& path, Syntax syntax) {
  return parse(read_spec_file(path, path, "the file",
                              "check the path (relative paths are resolved from the "
                              "referencing document); give the path of a YAML or JSON file"),
               path, file_uri(path), syntax);
}

const json::value* Document::find(std::string_view pointer) const noexcept {
  const json::value* at = &root_;
  const bool ok = for_each_token(pointer, [&](const std::string& token) {
    if (const auto* o = at->if_object()) {
      auto it = o->find(token);
      if (it == o->end()) return false;
      at = &it->value();
      return true;
    }
    if (const auto* a = at->if_array()) {
      std::size_t i = 0;
      auto r = std::from_chars(token.data(), token.data() + token.size(), i);
      if (r.ec != std::errc() || r.ptr != token.data() + token.size() || i >= a->size() ||
          (token.size() > 1 && token[0] == '0'))
        return false;
      at = &(*a)[i];
      return true;
    }
    return false;
  });
  return ok ? at : nullptr;
}

SourceLocation Document::locate(std::string_view pointer) const {
  if (yaml_index_) {
    YAML::Node at = yaml_index_->root;
    SourceLocation best{at.Mark().line + 1, at.Mark().column + 1};
    auto mark_of = [](const YAML::Node& n) {
      return SourceLocation{n.Mark().line + 1, n.Mark().column + 1};
    };
    for_each_token(pointer, [&](const std::string& token) {
      YAML::Node next;
      SourceLocation where{};
      if (at.IsMap()) {
        for (const auto& kv : at) {
          if (kv.first.IsScalar() && kv.first.Scalar() == token) {
            next.reset(kv.second);
            // Report the key for collections (a block mapping's own mark is on the line
            // after its key) and for null values (no useful mark); the value otherwise.
            const bool at_key = !next.IsDefined() || next.IsNull() || next.IsMap() ||
                                next.IsSequence() || next.Mark().line < 0;
            where = mark_of(at_key ? kv.first : kv.second);
            break;
          }
        }
      } else if (at.IsSequence()) {
        std::size_t i = 0;
        auto r = std::from_chars(token.data(), token.data() + token.size(), i);
        if (r.ec == std::errc() && i < at.size()) {
          next.reset(at[i]);
          where = mark_of(next);
        }
      }
      if (!next.IsDefined()) return false;
      // Node::operator= would overwrite the node's content in the tree; reset() rebinds.
      at.reset(next);
      if (where.line > 0) best = where;
      return true;
    });
    return best;
  }
  JsonScanner s{text_};
  s.ws();
  std::size_t best = s.pos;
  for_each_token(pointer, [&](const std::string& token) {
    if (!s.enter(token)) return false;
    s.ws();
    best = s.pos;
    return true;
  });
  return location_of_offset(text_, best);
}

const Document& DocumentSet::load(const std::string& uri) {
  if (const Document* d = find(uri)) return *d;
  const std::string path = uri_to_path(uri);
  if (path.empty()) {
    Diagnostic d;
    d.message = "cannot load '" + uri + "': only local files are referenced";
    d.hint = "download the document and reference it by a relative path";
    throw SpecError({std::move(d)});
  }
  std::string shown = path;
  std::error_code ec;
  auto rel = std::filesystem::relative(path, std::filesystem::current_path(), ec);
  if (!ec && !rel.empty() && rel.native().rfind("..", 0) != 0) shown = rel.string();
  auto doc = Document::parse(
      read_spec_file(path, shown, "the referenced file", "check the relative path in the $ref"),
      shown, uri);
  const Document& ref = *doc;
  docs_.emplace(uri, std::move(doc));
  return ref;
}

void DocumentSet::add(std::shared_ptr<const Document> doc) {
  std::string uri = doc->uri();
  docs_.emplace(std::move(uri), std::move(doc));
}

const Document* DocumentSet::find(std::string_view uri) const noexcept {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : it->second.get();
}

std::string pointer_append(std::string_view base, std::string_view token) {
  std::string out(base);
  out += '/';
  append_pointer_token(out, token);
  return out;
}

std::string file_uri(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  boost::urls::url u;
  u.set_scheme("file");
  u.set_encoded_host("");
  u.set_path(abs.string());
  return std::string(u.buffer());
}

std::string uri_to_path(std::string_view uri) {
  auto r = boost::urls::parse_uri(uri);
  if (!r || r->scheme() != "file") return {};
  return std::string(r->path());
}

std::string resolve_uri(std::string_view base, std::string_view ref) {
  auto b = boost::urls::parse_uri(base);
  auto r = boost::urls::parse_uri_reference(ref);
  if (!b || !r) return std::string(ref);
  boost::urls::url out;
  if (boost::urls::resolve(*b, *r, out)) return std::string(out.buffer());
  return std::string(ref);
}

}  // namespace brrt::spec
