#pragma once
// Per-method radix tree over path templates. Built once; `match` is allocation-free and
// returns parameter values as slices of the request path (still percent-encoded: decode
// with `percent_decode` when needed; `%2F` inside a value never splits a segment).
#include "brrt/core/method.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::router {

inline constexpr std::size_t kMaxPathParams = 16;

struct RouteMatch {
  enum class Status : std::uint8_t { Found, NotFound, MethodNotAllowed };
  Status status = Status::NotFound;
  std::uint32_t route = 0;  // id given to Builder::add, when Found
  MethodMask allow = 0;     // methods the path has, when MethodNotAllowed (HEAD added with GET)
  std::uint8_t param_count = 0;
  // Raw parameter values in template order (names: RouteTable::param_names(route)).
  // Only the first `param_count` are set (left uninitialised otherwise: a match is hot).
  std::array<std::string_view, kMaxPathParams> params;
};

// Load-time error: invalid template, or two templates that can never be told apart.
class RouteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RouteTable {
 public:
  class Builder {
   public:
    // `base_path` ("" or "/v1") prefixes every template.
    explicit Builder(std::string base_path = {});
    // Adds `method template -> route`. Templates: "/pets/{petId}", "/files/{name}.{ext}".
    // Throws RouteError for malformed templates, duplicate method+template, or an
    // ambiguity (`/a/{x}` vs `/a/{y}` under the same method).
    Builder& add(Method method, std::string_view path_template, std::uint32_t route);
    RouteTable build();

   private:
    friend class RouteTable;
    struct State;
    std::shared_ptr<State> state_;
  };

  RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;
  ~RouteTable();

  // `path` is the request target's path (no query string). HEAD falls back to GET.
  RouteMatch match(Method method, std::string_view path) const noexcept;
  // Parameter names of `route`, in template order.
  const std::vector<std::string>& param_names(std::uint32_t route) const;
  // The template a route was added with (without base path).
  const std::string& path_template(std::uint32_t route) const;
  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes %XX escapes into `out` (appends). Returns false on a malformed escape.
// `+` is NOT treated as a space (paths); see `form_decode` in dispatch for query strings.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace brrt::router
