#include "codegen/identifier.hpp"

#include <algorithm>
#include <iterator>

namespace brrt::codegen {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// C++20 keywords and alternative tokens, plus the names a generated file uses unqualified
// inside its namespace (a member or type named like them would change what they mean).
constexpr std::string_view kReserved[] = {"alignas",
                                          "alignof",
                                          "and",
                                          "and_eq",
                                          "asm",
                                          "auto",
                                          "bitand",
                                          "bitor",
                                          "bool",
                                          "break",
                                          "case",
                                          "catch",
                                          "char",
                                          "char8_t",
                                          "char16_t",
                                          "char32_t",
                                          "class",
                                          "compl",
                                          "concept",
                                          "const",
                                          "consteval",
                                          "constexpr",
                                          "constinit",
                                          "const_cast",
                                          "continue",
                                          "co_await",
                                          "co_return",
                                          "co_yield",
                                          "decltype",
                                          "default",
                                          "delete",
                                          "do",
                                          "double",
                                          "dynamic_cast",
                                          "else",
                                          "enum",
                                          "explicit",
                                          "export",
                                          "extern",
                                          "false",
                                          "float",
                                          "for",
                                          "friend",
                                          "goto",
                                          "if",
                                          "inline",
                                          "int",
                                          "long",
                                          "mutable",
                                          "namespace",
                                          "new",
                                          "noexcept",
                                          "not",
                                          "not_eq",
                                          "nullptr",
                                          "operator",
                                          "or",
                                          "or_eq",
                                          "private",
                                          "protected",
                                          "public",
                                          "register",
                                          "reinterpret_cast",
                                          "requires",
                                          "return",
                                          "short",
                                          "signed",
                                          "sizeof",
                                          "static",
                                          "static_assert",
                                          "static_cast",
                                          "struct",
                                          "switch",
                                          "template",
                                          "this",
                                          "thread_local",
                                          "throw",
                                          "true",
                                          "try",
                                          "typedef",
                                          "typeid",
                                          "typename",
                                          "union",
                                          "unsigned",
                                          "using",
                                          "virtual",
                                          "void",
                                          "volatile",
                                          "wchar_t",
                                          "while",
                                          "xor",
                                          "xor_eq",
                                          "std",
                                          "boost",
                                          "brrt",
                                          "read_json",
                                          "append_json",
                                          "read_member",
                                          "to_string",
                                          "register_handlers",
                                          "NULL",
                                          "assert",
                                          "errno",
                                          "EOF",
                                          "final",
                                          "override",
                                          "main"};

}  // namespace

std::string cpp_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  for (const char c : name) out += is_word_char(c) ? c : '_';
  if (out.empty() || is_digit(out.front()) ||
      (out.front() == '_' && out.size() > 1 && (out[1] == '_' || is_upper(out[1]))) || out == "_")
    out.insert(out.begin(), 'v');
  // Two underscores anywhere are reserved for the implementation too.
  for (std::size_t at; (at = out.find("__")) != std::string::npos;) out.erase(at, 1);
  if (std::find(std::begin(kReserved), std::end(kReserved), out) != std::end(kReserved)) out += '_';
  return out;
}

std::string pascal_case(std::string_view name) {
  std::string out;
  bool start = true;
  for (const char c : name) {
    if (!is_word_char(c) || c == '_') {
      start = true;
      continue;
    }
    out += start ? to_upper(c) : c;
    start = false;
  }
  return cpp_identifier(out);
}

std::string_view status_name(int status) {
  switch (status) {
    case 100:
      return "continue_";
    case 101:
      return "switching_protocols";
    case 200:
      return "ok";
    case 201:
      return "created";
    case 202:
      return "accepted";
    case 203:
      return "non_authoritative_information";
    case 204:
      return "no_content";
    case 205:
      return "reset_content";
    case 206:
      return "partial_content";
    case 207:
      return "multi_status";
    case 300:
      return "multiple_choices";
    case 301:
      return "moved_permanently";
    case 302:
      return "found";
    case 303:
      return "see_other";
    case 304:
      return "not_modified";
    case 307:
      return "temporary_redirect";
    case 308:
      return "permanent_redirect";
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 402:
      return "payment_required";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 406:
      return "not_acceptable";
    case 408:
      return "request_timeout";
    case 409:
      return "conflict";
    case 410:
      return "gone";
    case 411:
      return "length_required";
    case 412:
      return "precondition_failed";
    case 413:
      return "content_too_large";
    case 415:
      return "unsupported_media_type";
    case 416:
      return "range_not_satisfiable";
    case 422:
      return "unprocessable_content";
    case 423:
      return "locked";
    case 428:
      return "precondition_required";
    case 429:
      return "too_many_requests";
    case 500:
      return "internal_server_error";
    case 501:
      return "not_implemented";
    case 502:
      return "bad_gateway";
    case 503:
      return "service_unavailable";
    case 504:
      return "gateway_timeout";
    default:
      return {};
  }
}

std::string NameScope::unique(std::string name) {
  if (taken_.insert(name).second) return name;
  for (int n = 2;; ++n) {
    std::string candidate = name + std::to_string(n);
    if (taken_.insert(candidate).second) return candidate;
  }
}

}  // namespace brrt::codegen
