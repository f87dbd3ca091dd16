#include "brrt/dispatch/handler_table.hpp"

#include <unistd.h>

namespace brrt::dispatch {

HandlerTable& HandlerTable::add(std::string name, HandlerFn fn) {
  handlers_[std::move(name)] = Entry{Kind::Plain, std::move(fn), {}, {}, {}};
  return *this;
}

HandlerTable& HandlerTable::add_async(std::string name, AsyncHandlerFn fn) {
  handlers_[std::move(name)] = Entry{Kind::Async, {}, std::move(fn), {}, {}};
  return *this;
}

HandlerTable& HandlerTable::add_blocking(std::string name, HandlerFn fn) {
  handlers_[std::move(name)] = Entry{Kind::Blocking, std::move(fn), {}, {}, {}};
  return *this;
}

HandlerTable& HandlerTable::add_stream(std::string name, StreamHandlerFn fn) {
  handlers_[std::move(name)] = Entry{Kind::Stream, {}, {}, std::move(fn), {}};
  return *this;
}

HandlerTable& HandlerTable::add_websocket(std::string name, WebSocketHandlerFn fn) {
  handlers_[std::move(name)] = Entry{Kind::WebSocket, {}, {}, {}, std::move(fn)};
  return *this;
}

HandlerTable& HandlerTable::use(Middleware m) {
  middleware_.push_back(std::move(m));
  return *this;
}

const HandlerTable::Entry* HandlerTable::find(std::string_view name) const noexcept {
  auto it = handlers_.find(name);
  return it == handlers_.end() ? nullptr : &it->second;
}

std::vector<std::string> HandlerTable::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : handlers_) out.push_back(k);
  return out;
}

bool HandlerTable::has_blocking() const noexcept {
  for (const auto& [k, v] : handlers_)
    if (v.kind == Kind::Blocking) return true;
  return false;
}

// ---------------------------------------------------------------------------------------

UploadedFile::UploadedFile(UploadedFile&& o) noexcept
    : field(std::move(o.field)),
      filename(std::move(o.filename)),
      content_type(std::move(o.content_type)),
      size(o.size),
      data(o.data),
      path(std::move(o.path)) {
  o.path.clear();
}

UploadedFile& UploadedFile::operator=(UploadedFile&& o) noexcept {
  if (this != &o) {
    if (!path.empty()) ::unlink(path.c_str());
    field = std::move(o.field);
    filename = std::move(o.filename);
    content_type = std::move(o.content_type);
    size = o.size;
    data = o.data;
    path = std::move(o.path);
    o.path.clear();
  }
  return *this;
}

UploadedFile::~UploadedFile() {
  if (!path.empty()) ::unlink(path.c_str());
}

const observe::TraceContext& TraceSlot::get(const http::Request& req) {
  if (!context) {
    thread_local observe::TraceIdGenerator local;
    context = observe::TraceContext::from_header(req.header("traceparent"), ids ? *ids : local);
  }
  return *context;
}

const observe::TraceContext& RequestContext::trace() const {
  return (trace_slot ? *trace_slot : own_trace_).get(http);
}

const boost::json::value* RequestContext::param(std::string_view name) const noexcept {
  for (const boost::json::object* o : {&path, &query, &headers, &cookies})
    if (auto it = o->find(name); it != o->end()) return &it->value();
  return nullptr;
}

std::optional<std::int64_t> RequestContext::int_param(std::string_view name) const noexcept {
  const auto* v = param(name);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64() && v->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<std::string_view> RequestContext::string_param(std::string_view name) const noexcept {
  const auto* v = param(name);
  if (v && v->is_string()) return std::string_view(v->get_string());
  return std::nullopt;
}

}  // namespace brrt::dispatch
