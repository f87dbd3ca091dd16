#include "brrt/spec/api.hpp"

namespace brrt::spec {

std::string_view to_string(ParamIn in) noexcept {
  switch (in) {
    case ParamIn::Path:
      return "path";
    case ParamIn::Query:
      return "query";
    case ParamIn::Header:
      return "header";
    case ParamIn::Cookie:
      return "cookie";
  }
  return "query";
}

std::string_view to_string(ParamStyle style) noexcept {
  switch (style) {
    case ParamStyle::Simple:
      return "simple";
    case ParamStyle::Label:
      return "label";
    case ParamStyle::Matrix:
      return "matrix";
    case ParamStyle::Form:
      return "form";
    case ParamStyle::SpaceDelimited:
      return "spaceDelimited";
    case ParamStyle::PipeDelimited:
      return "pipeDelimited";
    case ParamStyle::DeepObject:
      return "deepObject";
  }
  return "form";
}

const boost::json::value* Located::extension(std::string_view key) const noexcept {
  if (!raw) return nullptr;
  auto it = raw->find(key);
  return it == raw->end() ? nullptr : &it->value();
}

const Response* Operation::response_for(int status) const noexcept {
  const std::string code = std::to_string(status);
  const Response* range = nullptr;
  const Response* fallback = nullptr;
  for (const Response& r : responses) {
    if (r.status == code) return &r;
    if (r.status.size() == 3 && r.status[1] == 'X' && r.status[0] == code[0]) range = &r;
    if (r.status == "default") fallback = &r;
  }
  return range ? range : fallback;
}

const Operation* Api::find_operation(std::string_view operation_id) const noexcept {
  for (const Operation& op : operations_)
    if (op.operation_id == operation_id) return &op;
  return nullptr;
}

const SecurityScheme* Api::find_security_scheme(std::string_view name) const noexcept {
  for (const SecurityScheme& s : security_schemes_)
    if (s.name == name) return &s;
  return nullptr;
}

const boost::json::value* Api::extension(std::string_view key) const noexcept {
  if (!root_) return nullptr;
  const auto* o = root_->root().if_object();
  if (!o) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->value();
}

}  // namespace brrt::spec
