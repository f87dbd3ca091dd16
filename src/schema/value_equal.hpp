#pragma once
// Internal: JSON Schema equality (numbers by value, so 1 == 1.0; objects regardless of member
// order) for const, enum and uniqueItems, and a hash consistent with it.
#include <boost/json/fwd.hpp>

#include <cstdint>

namespace brrt::schema::detail {

bool value_equal(const boost::json::value& a, const boost::json::value& b) noexcept;
std::uint64_t value_hash(const boost::json::value& v) noexcept;

}  // namespace brrt::schema::detail
