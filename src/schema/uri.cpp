#include "schema/uri.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <stdexcept>

namespace brrt::schema::detail {

UriParts split_fragment(std::string_view ref) noexcept {
  UriParts p;
  const std::size_t hash = ref.find('#');
  if (hash == std::string_view::npos) {
    p.uri = ref;
    return p;
  }
  p.uri = ref.substr(0, hash);
  p.fragment = ref.substr(hash + 1);
  p.has_fragment = true;
  return p;
}

std::string resolve_uri(std::string_view base, std::string_view ref) {
  auto r = boost::urls::parse_uri_reference(ref);
  if (!r) throw std::invalid_argument("'" + std::string(ref) + "' is not a URI reference");
  if (r->has_scheme()) {
    boost::urls::url u(*r);
    u.normalize_path();
    u.remove_fragment();
    return std::string(u.buffer());
  }
  auto b = boost::urls::parse_uri(base);
  if (!b) {
    // No absolute base (a schema compiled without a URI): keep the reference as its name.
    if (ref.empty()) return std::string(base);
    return std::string(ref);
  }
  if (ref.empty()) {
    boost::urls::url u(*b);
    u.remove_fragment();
    return std::string(u.buffer());
  }
  boost::urls::url dest;
  auto rv = boost::urls::resolve(*b, *r, dest);
  if (!rv) {
    // "urn:" bases have no hierarchical path to resolve against.
    throw std::invalid_argument("cannot resolve '" + std::string(ref) + "' against '" +
                                std::string(base) + "'");
  }
  dest.remove_fragment();
  return std::string(dest.buffer());
}

}  // namespace brrt::schema::detail
