#include "brrt/codegen/generator.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "brrt/dispatch/media_type.hpp"
#include "brrt/http/message.hpp"
#include "brrt/observe/access_log.hpp"
#include "codegen/identifier.hpp"
#include "codegen/type_model.hpp"

namespace brrt::codegen {

namespace {

using K = CppType::Kind;

// `s` as a C++ string literal: quotes, backslashes and control bytes escaped (octal, which
// unlike \x cannot run into the next character); UTF-8 passes through.
std::string literal(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

// A JSON member's name as written before its value, `"name":`.
std::string json_key(std::string_view name) {
  std::string json = "\"";
  observe::append_json_escaped(json, name);
  json += "\":";
  return json;
}

// `{"name", ...}`: the JSON names of a struct's declared members, as the runtime's
// read_additional and append_additional take them.
std::string declared_names(const Decl& d) {
  std::string s = "{";
  for (std::size_t i = 0; i < d.fields.size(); ++i)
    s += (i ? ", " : "") + literal(d.fields[i].json_name);
  return s + "}";
}

// append_json for a struct: the member names are literals with the separators the generator
// can decide (after a required member every name starts with a comma; `{` joins the first
// name), so writing an object is one append per member name and one per value. Only optional
// members before the first required one leave it to a `first` flag at run time.
std::string struct_writer(const Decl& d) {
  // writeOnly members are never written: the writer serves responses, and a handler that
  // answers with what it was sent (a password, say) does not send it back.
  std::vector<const Field*> fields;
  for (const Field& f : d.fields)
    if (!f.write_only) fields.push_back(&f);
  enum class Written { Nothing, Something, Unknown };
  bool needs_flag = false;
  {
    Written w = Written::Nothing;
    for (const Field* field : fields) {
      const Field& f = *field;
      if (w == Written::Unknown) needs_flag = true;
      if (f.required)
        w = Written::Something;
      else if (w == Written::Nothing)
        w = Written::Unknown;
    }
    // The additional members come last and need a comma when anything came before.
    if (d.additional && w == Written::Unknown) needs_flag = true;
  }
  std::string s = "void append_json(::std::string& out, const " + d.name + "& v) {\n";
  if (fields.empty() && !d.additional) s += "  (void)v;\n";  // only writeOnly members
  if (needs_flag) s += "  bool first = true;\n";
  Written w = Written::Nothing;
  bool open = false;  // `{` written
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& f = *fields[i];
    const std::string key = json_key(f.json_name);
    const std::string indent = f.required ? "  " : "    ";
    std::string put;
    if (w == Written::Nothing)
      put = indent + "out += " + literal(open || !f.required ? key : "{" + key) + ";\n";
    else if (w == Written::Something)
      put = indent + "out += " + literal("," + key) + ";\n";
    else
      put = indent + "out += first ? " + literal(key) + " : " + literal("," + key) + ";\n";
    if (i == 0 && f.required) open = true;
    if (!open) {
      s += "  out += '{';\n";
      open = true;
    }
    if (f.required) {
      s += put + "  append_json(out, v." + f.cpp_name + ");\n";
      w = Written::Something;
    } else {
      s += "  if (v." + f.cpp_name + ") {\n" + put + "    append_json(out, *v." + f.cpp_name +
           ");\n";
      if (needs_flag && w != Written::Something) s += "    first = false;\n";
      s += "  }\n";
      if (w == Written::Nothing) w = Written::Unknown;
    }
  }
  if (!open) s += "  out += '{';\n";
  if (d.additional) {
    const char* comma = w == Written::Something ? "true"
                        : w == Written::Nothing ? "false"
                                                : "!first";
    s += "  ::brrt::codegen::append_additional(out, v." + d.additional->cpp_name + ", " + comma +
         ", " + declared_names(d) + ");\n";
  }
  s += "  out += '}';\n}\n\n";
  return s;
}

// One line of a spec's text as a `//` comment (the first line of a description).
std::string comment_line(std::string_view text) {
  text = text.substr(0, text.find_first_of("\r\n"));
  std::string out;
  for (const char c : text) out += c == '\\' ? '/' : c;  // no line splice at the end
  return out;
}

std::string snake_case(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return cpp_identifier(out.empty() ? "api" : out);
}

bool is_json_media(std::string_view type) {
  return dispatch::is_json_media(dispatch::media_essence(type));
}
bool is_form_media(std::string_view type) {
  const std::string_view e = dispatch::media_essence(type);
  return e == "application/x-www-form-urlencoded" || e == "multipart/form-data";
}

void check_namespace(std::string_view ns) {
  std::size_t at = 0;
  while (true) {
    const auto sep = ns.find("::", at);
    const std::string_view part = ns.substr(at, sep == std::string_view::npos ? ns.npos : sep - at);
    if (part.empty() || cpp_identifier(part) != part)
      throw std::invalid_argument("namespace '" + std::string(ns) +
                                  "' is not a C++ namespace name (identifiers joined by ::)");
    if (sep == std::string_view::npos) return;
    at = sep + 2;
  }
}

// A response's factory methods: one per way the spec lets it be answered.
struct Factory {
  std::string name;
  int status = 0;               // exact status; 0 when the handler passes it
  int first = 0, last = 0;      // the range a passed status must be in
  std::string content_type;     // literal media type; "" with a media-type argument or no body
  std::string body_type;        // rendered C++ type of a JSON body; "" otherwise
  bool raw_body = false;        // a std::string body of a non-JSON media type
  bool media_argument = false;  // a media range (image/*): the handler names the type
  std::string description;
  // The response's required headers: parameters after the body, so no answer leaves one out.
  struct HeaderArg {
    std::string name;   // as the spec spells it (a literal in the generated code)
    std::string param;  // C++ parameter name
    std::string type;   // rendered C++ type
  };
  std::vector<HeaderArg> headers;
};

// An optional response header of an operation: a setter on its response class.
struct HeaderSetter {
  std::string name;    // as the spec spells it
  std::string method;  // set_<snake_case name>
  std::string type;    // rendered C++ type
  std::string description;
};

struct OperationCode {
  const spec::Operation* op = nullptr;
  std::string method;        // handler method
  std::string request_type;  // <Op>Request
  std::string response_type;
  bool stream = false;
  bool websocket = false;  // answers 101 and no 2XX (docs/server.md, "WebSockets")
  struct Param {
    std::string field, type, initializer, container, name, in;
  };
  std::vector<Param> params;
  std::string body_field_type;  // "" when no typed body
  std::string body_initializer;
  std::vector<std::string> body_media;  // media types the typed body is read for; empty: all
  std::vector<Factory> factories;
  std::vector<HeaderSetter> header_setters;  // one per optional header name (case-insensitive)
  bool registered = true;                    // false: another operation has the same handler name
};

class Generator {
 public:
  Generator(const spec::Api& api, const GenerateOptions& options)
      : api_(api), options_(options), types_(api, type_names_) {}

  GeneratedCode run() {
    ns_ = options_.cpp_namespace.empty() ? snake_case(api_.info().title) : options_.cpp_namespace;
    check_namespace(ns_);
    class_name_ = options_.class_name.empty() ? pascal_case(api_.info().title) + "Handlers"
                                              : options_.class_name;
    if (cpp_identifier(class_name_) != class_name_)
      throw std::invalid_argument("class name '" + class_name_ + "' is not a C++ identifier");
    type_names_.reserve(class_name_);
    for (const auto& op : api_.operations()) {
      OperationCode oc;
      oc.op = &op;
      const std::string base = pascal_case(op.operation_id);
      oc.request_type = type_names_.unique(base + "Request");
      oc.response_type = type_names_.unique(base + "Response");
      ops_.push_back(std::move(oc));
    }
    std::vector<std::string> handler_names;
    for (auto& oc : ops_) {
      build_operation(oc);
      if (std::find(handler_names.begin(), handler_names.end(), oc.op->handler) !=
          handler_names.end()) {
        oc.registered = false;
        types_.notes().push_back(
            {oc.op->document ? oc.op->document->path() + "#" + oc.op->pointer : oc.op->pointer,
             "handler name '" + oc.op->handler +
                 "' is another operation's too: only the first is registered"});
      }
      handler_names.push_back(oc.op->handler);
    }
    types_.finish();
    NameScope methods;
    methods.reserve(class_name_);
    for (auto& oc : ops_) {
      std::string m = cpp_identifier(oc.op->operation_id);
      while (type_names_.taken(m)) m += '_';
      oc.method = methods.unique(m);
    }
    GeneratedCode code;
    code.files.push_back({options_.base_name + ".hpp", header()});
    code.files.push_back({options_.base_name + ".cpp", source()});
    code.notes = std::move(types_.notes());
    return code;
  }

 private:
  void build_operation(OperationCode& oc) {
    const spec::Operation& op = *oc.op;
    const std::string base = pascal_case(op.operation_id);
    NameScope fields;
    fields.reserve("context");
    fields.reserve("body");
    for (const auto& p : op.parameters) {
      OperationCode::Param pc;
      pc.name = p.name;
      pc.in = std::string(spec::to_string(p.in));
      pc.field = fields.unique(cpp_identifier(p.name));
      CppType t = types_.map(p.schema, base + pascal_case(p.name));
      const bool always =
          p.required || (p.in != spec::ParamIn::Path && types_.has_default(p.schema));
      if (!always && t.kind != K::Optional) t = CppType::wrap(K::Optional, t);
      pc.type = types_.render(t);
      pc.initializer = types_.initializer(t);
      switch (p.in) {
        case spec::ParamIn::Path:
          pc.container = "path";
          break;
        case spec::ParamIn::Query:
          pc.container = "query";
          break;
        case spec::ParamIn::Header:
          pc.container = "headers";
          break;
        case spec::ParamIn::Cookie:
          pc.container = "cookies";
          break;
      }
      oc.params.push_back(std::move(pc));
    }
    if (op.request_body) {
      const spec::MediaType* typed = nullptr;
      bool same_schema = true;
      std::vector<std::string> structured;
      for (const auto& m : op.request_body->content) {
        if (!is_json_media(m.content_type) && !is_form_media(m.content_type)) continue;
        structured.push_back(m.content_type);
        if (!typed)
          typed = &m;
        else if (typed->schema.node != m.schema.node)
          same_schema = false;
      }
      if (typed) {
        CppType t = same_schema ? types_.map(typed->schema, base + "Body") : CppType::of(K::Json);
        const bool all_structured = structured.size() == op.request_body->content.size();
        const bool optional = !op.request_body->required || !all_structured;
        if (optional && t.kind != K::Optional) t = CppType::wrap(K::Optional, t);
        oc.body_field_type = types_.render(t);
        oc.body_initializer = types_.initializer(t);
        if (!all_structured) oc.body_media = structured;
      }
    }
    bool switches = false, succeeds = false;
    for (const auto& r : op.responses) {
      if (r.status == "101") switches = true;
      if (!r.status.empty() && r.status[0] == '2') succeeds = true;
      for (const auto& m : r.content)
        if (dispatch::media_essence(m.content_type) == "text/event-stream" && !r.status.empty() &&
            r.status[0] == '2')
          oc.stream = true;
    }
    oc.websocket = switches && !succeeds;
    // Stream and websocket handlers write events or messages, not a response object.
    if (oc.stream || oc.websocket) return;
    NameScope names;
    for (const auto& r : op.responses) add_factories(oc, r, base, names);
    // Setters after the factories, so that a factory keeps its plain name.
    for (const auto& r : op.responses)
      for (const auto& h : r.headers) {
        if (h.required || http::iequals(h.name, "Content-Type")) continue;
        const auto same = [&](const HeaderSetter& e) { return http::iequals(e.name, h.name); };
        if (std::any_of(oc.header_setters.begin(), oc.header_setters.end(), same)) continue;
        oc.header_setters.push_back({h.name, names.unique("set_" + snake_case(h.name)),
                                     header_type(h, base), comment_line(h.description)});
      }
  }

  // The C++ type a response header's value is given as: its schema's when the simple style
  // writes it as text (a string, number, boolean or enum, or an array of those, comma-joined),
  // else std::string, the header's text as it is to be sent. A type the schema declares (an
  // enum) is named after the operation's `base` and the header.
  std::string header_type(const spec::Header& h, const std::string& base) {
    // An object or a composition is given as text: not mapped, so no type is declared for it.
    if (!h.schema || types_.composite(h.schema)) return "::std::string";
    using K = CppType::Kind;
    CppType t = types_.map(h.schema, base + "Header" + pascal_case(h.name));
    if (t.kind == K::Optional) t = *t.inner;  // a nullable header is one that is not sent
    const auto simple = [&](const CppType& c) {
      switch (c.kind) {
        case K::String:
        case K::Int64:
        case K::Int32:
        case K::Double:
        case K::Bool:
          return true;
        case K::Named:
          return types_.decls()[c.decl].kind == Decl::Kind::Enum;
        default:
          return false;
      }
    };
    if (simple(t) || (t.kind == K::Vector && simple(*t.inner))) return types_.render(t);
    return "::std::string";
  }

  void add_factories(OperationCode& oc, const spec::Response& r, const std::string& base,
                     NameScope& names) {
    Factory f;
    f.description = comment_line(r.description);
    std::string name;
    if (r.status == "default") {
      name = "with_status";
      f.first = 100;
      f.last = 599;
    } else if (r.status.size() == 3 && (r.status[1] == 'X' || r.status[1] == 'x')) {
      const int hundreds = r.status[0] - '0';
      name = "status_" + std::string(1, r.status[0]) + "xx";
      f.first = hundreds * 100;
      f.last = hundreds * 100 + 99;
    } else {
      f.status = std::stoi(r.status);
      const std::string_view common = status_name(f.status);
      name = common.empty() ? "status_" + r.status : std::string(common);
    }
    NameScope params;  // a header parameter must not take the factory's own names
    for (const char* taken : {"status", "body", "media_type", "r"}) params.reserve(taken);
    for (const auto& h : r.headers)
      if (h.required && !http::iequals(h.name, "Content-Type"))
        f.headers.push_back({h.name, params.unique(snake_case(h.name)), header_type(h, base)});
    const spec::MediaType* json = nullptr;
    std::vector<const spec::MediaType*> raw;
    for (const auto& m : r.content) {
      if (is_json_media(m.content_type)) {
        if (!json) json = &m;
      } else {
        raw.push_back(&m);
      }
    }
    if (!json && raw.empty()) {
      Factory g = f;
      g.name = names.unique(name);
      oc.factories.push_back(std::move(g));
      return;
    }
    if (json) {
      Factory g = f;
      g.name = names.unique(name);
      g.content_type = json->content_type;
      g.body_type = types_.render(types_.map(json->schema, base + "Response" + r.status));
      oc.factories.push_back(std::move(g));
    }
    for (const auto* m : raw) {
      Factory g = f;
      const std::string_view essence = dispatch::media_essence(m->content_type);
      const auto slash = essence.find('/');
      const std::string_view sub =
          slash == std::string_view::npos ? essence : essence.substr(slash + 1);
      g.media_argument = essence.find('*') != std::string_view::npos;
      std::string suffix = sub == "*" ? std::string(essence.substr(0, slash)) : std::string(sub);
      if (suffix == "*") suffix = "any";
      g.name = names.unique(json || raw.size() > 1 ? name + "_" + snake_case(suffix) : name);
      g.raw_body = true;
      if (!g.media_argument) g.content_type = m->content_type;
      oc.factories.push_back(std::move(g));
    }
  }

  std::string factory_params(const Factory& f) const {
    std::string params;
    if (!f.status) params += "int status";
    const auto add = [&](std::string p) {
      if (!params.empty()) params += ", ";
      params += std::move(p);
    };
    if (!f.body_type.empty()) add("const " + f.body_type + "& body");
    if (f.raw_body) add("::std::string body");
    if (f.media_argument) add("::std::string media_type");
    for (const auto& h : f.headers) add("const " + h.type + "& " + h.param);
    return params;
  }

  std::string method_signature(const OperationCode& oc) const {
    if (oc.websocket)
      return "::boost::asio::awaitable<void> " + oc.method + "(const " + oc.request_type +
             "& request, ::brrt::dispatch::WebSocket& socket)";
    if (oc.stream)
      return "::boost::asio::awaitable<void> " + oc.method + "(const " + oc.request_type +
             "& request, ::brrt::dispatch::EventStream& events)";
    const std::string result = options_.kind == HandlerKind::Async
                                   ? "::boost::asio::awaitable<" + oc.response_type + ">"
                                   : oc.response_type;
    return result + " " + oc.method + "(const " + oc.request_type + "& request)";
  }

  static std::string describe(const spec::Operation& op) {
    std::string s = std::string(method_name(op.method)) + " " + op.path;
    if (!op.summary.empty()) s += ": " + comment_line(op.summary);
    return s;
  }

  std::string header() const {
    std::string h;
    h += "// Generated by `brrtrouter generate` from " + comment_line(api_.root().path()) + " (" +
         comment_line(api_.info().title) + " " + comment_line(api_.info().version) +
         ").\n// Do not edit: generate it again when the spec changes (docs/codegen.md).\n";
    h += "#pragma once\n\n";
    h += "#include <boost/asio/awaitable.hpp>\n#include <boost/json/value.hpp>\n\n";
    h += "#include <cstdint>\n#include <map>\n#include <optional>\n#include <string>\n"
         "#include <string_view>\n#include <variant>\n#include <vector>\n\n";
    h += "#include \"brrt/codegen/runtime.hpp\"\n#include \"brrt/dispatch/event_stream.hpp\"\n"
         "#include \"brrt/dispatch/handler_table.hpp\"\n"
         "#include \"brrt/dispatch/request_context.hpp\"\n"
         "#include \"brrt/dispatch/web_socket.hpp\"\n\n";
    h += "namespace " + ns_ + " {\n\n";
    const auto& decls = types_.decls();
    // Declared first so that a vector of a type defined later (or of itself) compiles.
    for (const auto& d : decls)
      if (d.kind != Decl::Kind::Enum) h += "struct " + d.name + ";\n";
    if (!decls.empty()) h += "\n";
    // Enums first: they hold nothing, and a vector of one may be declared before it.
    std::vector<std::size_t> order;
    for (const std::size_t i : types_.order())
      if (decls[i].kind == Decl::Kind::Enum) order.push_back(i);
    for (const std::size_t i : types_.order())
      if (decls[i].kind != Decl::Kind::Enum) order.push_back(i);
    for (const std::size_t i : order) {
      const Decl& d = decls[i];
      h += "// " + (d.description.empty() ? d.location : comment_line(d.description)) + "\n";
      switch (d.kind) {
        case Decl::Kind::Enum:
          h += "enum class " + d.name + " {";
          for (std::size_t e = 0; e < d.enumerators.size(); ++e)
            h += (e ? ", " : " ") + d.enumerators[e].second;
          h += " };\n";
          h += "::std::string_view to_string(" + d.name + " v) noexcept;\n";
          h += "void read_json(const ::boost::json::value& v, " + d.name + "& out);\n";
          h += "void append_json(::std::string& out, " + d.name + " v);\n\n";
          continue;
        case Decl::Kind::Struct:
          h += "struct " + d.name + " {\n";
          for (const auto& f : d.fields) {
            h += "  " + types_.render(f.type) + " " + f.cpp_name + types_.initializer(f.type) + ";";
            h += "  // " + literal(f.json_name);
            if (f.read_only && f.write_only)
              h += " (readOnly and writeOnly: neither read nor written)";
            else if (f.read_only)
              h += " (readOnly: written in responses, not read from requests)";
            else if (f.write_only)
              h += " (writeOnly: read from requests, never written)";
            if (!f.description.empty()) h += ": " + comment_line(f.description);
            h += "\n";
          }
          if (d.additional)
            h += "  " + types_.render(d.additional->type) + " " + d.additional->cpp_name +
                 ";  // " + d.additional->description + "\n";
          break;
        case Decl::Kind::Variant: {
          h += "// One of these, told apart by " + literal(d.discriminator) + ".\n";
          h += "struct " + d.name + " {\n  ::std::variant<";
          for (std::size_t a = 0; a < d.alternatives.size(); ++a)
            h += (a ? ", " : "") + decls[d.alternatives[a]].name;
          h += "> value;\n";
          break;
        }
        case Decl::Kind::Json:
          h += "struct " + d.name + " {\n  ::boost::json::value value;\n";
          break;
      }
      h += "\n  bool operator==(const " + d.name + "&) const = default;\n};\n";
      h += "void read_json(const ::boost::json::value& v, " + d.name + "& out);\n";
      h += "void append_json(::std::string& out, const " + d.name + "& v);\n\n";
    }

    for (const auto& oc : ops_) {
      const spec::Operation& op = *oc.op;
      h += "// ---- " + describe(op) + "\n\n";
      h += "struct " + oc.request_type + " {\n";
      h += "  explicit " + oc.request_type +
           "(const ::brrt::dispatch::RequestContext& c) : context(c) {}\n";
      h += "  // The request as decoded (raw target, headers, claims, files, trace context).\n";
      h += "  const ::brrt::dispatch::RequestContext& context;\n";
      for (const auto& p : oc.params)
        h += "  " + p.type + " " + p.field + p.initializer + ";  // " + p.in + " " +
             literal(p.name) + "\n";
      if (!oc.body_field_type.empty())
        h += "  " + oc.body_field_type + " body" + oc.body_initializer + ";\n";
      h += "};\n\n";
      if (oc.stream || oc.websocket) continue;
      h += "class " + oc.response_type + " : public ::brrt::codegen::Reply {\n public:\n";
      for (const auto& f : oc.factories) {
        h += "  // " + (f.status ? std::to_string(f.status)
                                 : std::to_string(f.first) + ".." + std::to_string(f.last));
        if (!f.content_type.empty()) h += " " + f.content_type;
        if (!f.description.empty()) h += ": " + f.description;
        h += "\n  static " + oc.response_type + " " + f.name + "(" + factory_params(f) + ");\n";
      }
      for (const auto& hs : oc.header_setters) {
        h += "  // " + hs.name + (hs.description.empty() ? "" : ": " + hs.description) +
             " (optional header)\n";
        h += "  " + oc.response_type + "& " + hs.method + "(const " + hs.type + "& value) &;\n";
        h += "  " + oc.response_type + "&& " + hs.method + "(const " + hs.type + "& value) &&;\n";
      }
      h += "\n private:\n  using ::brrt::codegen::Reply::Reply;\n};\n\n";
    }

    h += "// The operations of " + comment_line(api_.info().title) +
         ": implement each, then register_handlers().\n";
    h += "class " + class_name_ + " {\n public:\n  virtual ~" + class_name_ + "() = default;\n";
    for (const auto& oc : ops_) {
      h += "\n  // " + describe(*oc.op) + "\n";
      if (oc.op->handler != oc.op->operation_id)
        h += "  // (registered as " + literal(oc.op->handler) + ")\n";
      h += "  virtual " + method_signature(oc) + " = 0;\n";
    }
    h += "};\n\n";
    h += "// Registers, under each operation's handler name (x-handler or operationId), a handler\n"
         "// that reads the decoded, validated request into its typed form, calls `handlers` and\n"
         "// writes what it returns. `handlers` must outlive `table` and the services using it.\n";
    h += "void register_handlers(::brrt::dispatch::HandlerTable& table, " + class_name_ +
         "& handlers);\n\n";
    h += "}  // namespace " + ns_ + "\n";
    return h;
  }

  std::string source() const {
    std::string s;
    s += "// Generated by `brrtrouter generate`. Do not edit.\n";
    s += "#include \"" + options_.base_name + ".hpp\"\n\n";
    s += "#include <stdexcept>\n#include <utility>\n\n";
    s += "namespace " + ns_ + " {\n\n";
    s += "using ::brrt::codegen::append_json;\nusing ::brrt::codegen::read_json;\n"
         "using ::brrt::codegen::read_member;\n\n";
    const auto& decls = types_.decls();
    for (const std::size_t i : types_.order()) {
      const Decl& d = decls[i];
      switch (d.kind) {
        case Decl::Kind::Enum:
          s += "::std::string_view to_string(" + d.name + " v) noexcept {\n  switch (v) {\n";
          for (const auto& [text, name] : d.enumerators)
            s += "    case " + d.name + "::" + name + ": return " + literal(text) + ";\n";
          s += "  }\n  return {};\n}\n\n";
          s += "void read_json(const ::boost::json::value& v, " + d.name + "& out) {\n";
          s += "  const ::std::string_view s = v.as_string();\n";
          for (const auto& [text, name] : d.enumerators)
            s += "  if (s == " + literal(text) + ") {\n    out = " + d.name + "::" + name +
                 ";\n    return;\n  }\n";
          s += "  throw ::std::invalid_argument(" +
               literal(d.name + ": not one of the enum's values") + ");\n}\n\n";
          s += "void append_json(::std::string& out, " + d.name +
               " v) { append_json(out, to_string(v)); }\n\n";
          break;
        case Decl::Kind::Struct:
          s += "void read_json(const ::boost::json::value& v, " + d.name + "& out) {\n";
          s += "  const auto& o = v.as_object();\n";
          // readOnly members are not read: the reader serves requests, where validation refuses
          // them (or, with read_write_only: accept, they are ignored, as JSON Schema allows).
          for (const auto& f : d.fields)
            if (!f.read_only)
              s += "  read_member(o, " + literal(f.json_name) + ", out." + f.cpp_name + ");\n";
          if (d.additional)
            s += "  ::brrt::codegen::read_additional(o, " + declared_names(d) + ", out." +
                 d.additional->cpp_name + ");\n";
          if (std::all_of(d.fields.begin(), d.fields.end(),
                          [](const Field& f) { return f.read_only; }) &&
              !d.additional)
            s += "  (void)o;\n  (void)out;\n";
          s += "}\n\n";
          s += struct_writer(d);
          break;
        case Decl::Kind::Variant:
          s += "void read_json(const ::boost::json::value& v, " + d.name + "& out) {\n";
          s += "  const auto* tag = v.as_object().if_contains(" + literal(d.discriminator) + ");\n";
          s += "  const ::std::string_view s =\n      tag && tag->is_string() ? "
               "::std::string_view(tag->as_string()) : ::std::string_view();\n";
          for (const auto& [value, position] : d.mapping)
            s += "  if (s == " + literal(value) + ") {\n    read_json(v, out.value.emplace<" +
                 std::to_string(position) + ">());\n    return;\n  }\n";
          s += "  throw ::std::invalid_argument(" +
               literal(d.name + ": " + d.discriminator + " names none of its types") + ");\n}\n\n";
          s += "void append_json(::std::string& out, const " + d.name + "& v) {\n";
          s += "  ::std::visit([&out](const auto& alternative) { append_json(out, alternative); "
               "}, v.value);\n}\n\n";
          break;
        case Decl::Kind::Json:
          s += "void read_json(const ::boost::json::value& v, " + d.name +
               "& out) { read_json(v, out.value); }\n";
          s += "void append_json(::std::string& out, const " + d.name +
               "& v) { append_json(out, v.value); }\n\n";
          break;
      }
    }

    for (const auto& oc : ops_) {
      for (const auto& f : oc.factories) {
        s += oc.response_type + " " + oc.response_type + "::" + f.name + "(" + factory_params(f) +
             ") {\n";
        const std::string status = f.status ? std::to_string(f.status)
                                            : "checked_status(status, " + std::to_string(f.first) +
                                                  ", " + std::to_string(f.last) + ")";
        s += "  " + oc.response_type + " r(" + status + ", " + literal(f.content_type) + ");\n";
        if (!f.body_type.empty()) s += "  append_json(r.body_text(), body);\n";
        if (f.raw_body) s += "  r.body_text() = ::std::move(body);\n";
        if (f.media_argument) s += "  r.set_media_type(::std::move(media_type));\n";
        for (const auto& h : f.headers)
          s += "  r.header(" + literal(h.name) + ", ::brrt::codegen::header_text(" + h.param +
               "));\n";
        s += "  return r;\n}\n\n";
      }
      for (const auto& hs : oc.header_setters) {
        const std::string sig = hs.method + "(const " + hs.type + "& value)";
        s += oc.response_type + "& " + oc.response_type + "::" + sig + " & {\n  header(" +
             literal(hs.name) + ", ::brrt::codegen::header_text(value));\n  return *this;\n}\n";
        s += oc.response_type + "&& " + oc.response_type + "::" + sig +
             " && {\n  return ::std::move(" + hs.method + "(value));\n}\n\n";
      }
    }

    s += "namespace {\n\n";
    for (const auto& oc : ops_) {
      // The typed request, or none when a value does not fit its member (`res` says so).
      s += "::std::optional<" + oc.request_type + "> decode_" + oc.method +
           "(const ::brrt::dispatch::RequestContext& ctx, "
           "[[maybe_unused]] ::brrt::http::Response& res) {\n";
      s += "  ::std::optional<" + oc.request_type + "> request(::std::in_place, ctx);\n";
      for (const auto& p : oc.params)
        s += "  if (!::brrt::codegen::read_param(ctx." + p.container + ", " + literal(p.in) + ", " +
             literal(p.name) + ", request->" + p.field + ", res))\n    return ::std::nullopt;\n";
      if (!oc.body_field_type.empty()) {
        std::string condition = "!ctx.body.is_null()";
        if (!oc.body_media.empty()) {
          std::string any;
          for (const auto& m : oc.body_media)
            any += (any.empty() ? "" : " || ") + std::string("ctx.content_type == ") +
                   literal(dispatch::media_essence(m));
          condition += " && (" + any + ")";
        }
        s += "  if (" + condition +
             " && !::brrt::codegen::read_body(ctx.body, request->body, res))\n"
             "    return ::std::nullopt;\n";
      }
      s += "  return request;\n}\n\n";
      if (oc.stream || oc.websocket || options_.kind == HandlerKind::Async) {
        // A coroutine of its own rather than a coroutine lambda: the lambda object (in the
        // handler table) need not outlive the request.
        if (oc.websocket) {
          s += "::boost::asio::awaitable<void> run_" + oc.method + "(" + class_name_ +
               "& handlers, ::brrt::dispatch::RequestContext& ctx, "
               "::brrt::dispatch::WebSocket& socket) {\n";
          s += "  const auto request = decode_" + oc.method + "(ctx, socket.response());\n";
          s += "  if (!request) co_return;  // answered with a 400 instead of the 101\n";
          s += "  co_await handlers." + oc.method + "(*request, socket);\n}\n\n";
        } else if (oc.stream) {
          s += "::boost::asio::awaitable<void> run_" + oc.method + "(" + class_name_ +
               "& handlers, ::brrt::dispatch::RequestContext& ctx, "
               "::brrt::dispatch::EventStream& events) {\n";
          s += "  const auto request = decode_" + oc.method + "(ctx, events.response());\n";
          s += "  if (!request) co_return;  // answered with a 400 instead of the stream\n";
          s += "  co_await handlers." + oc.method + "(*request, events);\n}\n\n";
        } else {
          s += "::boost::asio::awaitable<void> run_" + oc.method + "(" + class_name_ +
               "& handlers, ::brrt::dispatch::RequestContext& ctx, ::brrt::http::Response& res) "
               "{\n";
          s += "  const auto request = decode_" + oc.method + "(ctx, res);\n";
          s += "  if (!request) co_return;\n";
          s +=
              "  " + oc.response_type + " reply = co_await handlers." + oc.method + "(*request);\n";
          s += "  reply.write_to(res);\n}\n\n";
        }
      }
    }
    s += "}  // namespace\n\n";

    s += "void register_handlers(::brrt::dispatch::HandlerTable& table, " + class_name_ +
         "& handlers) {\n";
    s += "  " + class_name_ + "* h = &handlers;\n";
    for (const auto& oc : ops_) {
      if (!oc.registered) continue;
      const std::string name = literal(oc.op->handler);
      if (oc.websocket) {
        s += "  table.add_websocket(" + name +
             ", [h](::brrt::dispatch::RequestContext& ctx, ::brrt::dispatch::WebSocket& "
             "socket) {\n    return run_" +
             oc.method + "(*h, ctx, socket);\n  });\n";
      } else if (oc.stream) {
        s += "  table.add_stream(" + name +
             ", [h](::brrt::dispatch::RequestContext& ctx, ::brrt::dispatch::EventStream& "
             "events) {\n    return run_" +
             oc.method + "(*h, ctx, events);\n  });\n";
      } else if (options_.kind == HandlerKind::Async) {
        s += "  table.add_async(" + name +
             ", [h](::brrt::dispatch::RequestContext& ctx, ::brrt::http::Response& res) {\n"
             "    return run_" +
             oc.method + "(*h, ctx, res);\n  });\n";
      } else {
        s += std::string("  table.") +
             (options_.kind == HandlerKind::Blocking ? "add_blocking(" : "add(") + name +
             ", [h](::brrt::dispatch::RequestContext& ctx, ::brrt::http::Response& res) {\n"
             "    if (const auto request = decode_" +
             oc.method + "(ctx, res)) h->" + oc.method + "(*request).write_to(res);\n  });\n";
      }
    }
    if (ops_.empty()) s += "  (void)table;\n  (void)h;\n";
    s += "}\n\n}  // namespace " + ns_ + "\n";
    return s;
  }

  const spec::Api& api_;
  const GenerateOptions& options_;
  NameScope type_names_;
  TypeModel types_;
  std::string ns_;
  std::string class_name_;
  std::vector<OperationCode> ops_;
};

}  // namespace

GeneratedCode generate(const spec::Api& api, const GenerateOptions& options) {
  return Generator(api, options).run();
}

}  // namespace brrt::codegen
