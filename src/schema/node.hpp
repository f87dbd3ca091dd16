#pragma once
// Internal: the compiled form of one (sub)schema. Validation walks these, never the JSON.
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "brrt/schema/compiler.hpp"
#include "schema/format.hpp"
#include "schema/property_table.hpp"
#include "schema/regex.hpp"

namespace brrt::schema::detail {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// JSON Schema "type" bits; Integer is a subset of Number when testing.
enum TypeBit : std::uint8_t {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kString = 32,
  kInteger = 64,
};

// Type bits each JSON value kind satisfies, indexed by boost::json::kind (an integral double is
// an "integer" too; callers test that separately).
inline constexpr std::uint8_t kKindTypeBits[] = {
    kNull, kBoolean, kNumber | kInteger, kNumber | kInteger, kNumber, kString, kArray, kObject};
static_assert(static_cast<int>(boost::json::kind::null) == 0 &&
              static_cast<int>(boost::json::kind::object) == 7);

// The boost::json::kind values (bit k for kind k) that "type" bits accept outright: all of them
// for no type, null too when nullable.
constexpr std::uint8_t accepted_kinds(std::uint8_t types, bool nullable) noexcept {
  if (types == 0) return 0xFF;
  std::uint8_t kinds = nullable ? 1 : 0;
  for (int k = 0; k < 8; ++k)
    if (types & kKindTypeBits[k]) kinds |= static_cast<std::uint8_t>(1u << k);
  return kinds;
}

// A numeric keyword value kept both for comparison and for messages.
struct NumberBound {
  long double value = 0;  // exact for every JSON number Boost.JSON produces
  boost::json::value json;
  std::string text;            // write_number(json), made at load: error messages copy it
  std::int64_t int_value = 0;  // valid when is_int: int64 instances compare as integers
  double double_value = 0;     // valid when double_exact: double instances compare as doubles
  bool present = false;
  bool is_int = false;
  bool double_exact = false;
};

struct PatternSchema {
  std::shared_ptr<const Regex> regex;
  NodeId node = kNoNode;
};

struct DependentRequired {
  std::string name;
  std::vector<std::string> required;
};

struct DependentSchema {
  std::string name;
  NodeId node = kNoNode;
};

struct Node {
  // Hot fields first: the quiet path reads these for every member it validates.
  // Only type and scalar bounds: validated inline without the general walk.
  bool leaf = false;
  // Object keywords only (and "type": "object", possibly OpenAPI 3.0's "nullable"): the quiet
  // path goes straight to them. Cycles always pass through a $ref node, which does the depth
  // accounting.
  bool plain_object = false;
  // A plain object whose only keywords are properties, additionalProperties and a "required"
  // covered by properties: one loop over the members does everything.
  bool simple_object = false;
  // An array schema whose only array keyword is "items" (and "type" accepting arrays, possibly
  // "nullable"): an array is valid when each item is. Set by Compiler::build.
  bool simple_array = false;
  // A node with nothing but "$ref" (the usual shape of a property, an array's items or a
  // request body in OpenAPI): the end of its chain of such references, kNoNode otherwise.
  // Quiet evaluation goes straight there; the collecting walk keeps the "$ref" step for its
  // keyword locations. Set by Compiler::build, not when the program has dynamic references
  // (a "$ref" may enter another resource, which the dynamic scope must see).
  NodeId ref_target = kNoNode;
  std::string location;        // absolute schema location, "uri#/pointer"
  std::uint32_t resource = 0;  // schema resource (for the dynamic scope)
  bool boolean_schema = false;
  bool boolean_value = true;
  // A false schema standing for a property marked for the other side of the direction its
  // object was compiled for (Compiler, Direction): "readOnly" in a request, "writeOnly" in a
  // response, the keyword its error names. nullptr for every other node.
  const char* other_side_marker = nullptr;
  bool needs_annotations = false;  // has unevaluatedProperties/Items

  std::uint8_t types = 0;  // 0: no "type" keyword
  bool nullable = false;   // OpenAPI 3.0

  // references
  NodeId ref = kNoNode;
  NodeId dynamic_ref = kNoNode;    // statically resolved target
  std::string dynamic_ref_anchor;  // non-empty: look the anchor up in the dynamic scope
  const char* dynamic_ref_keyword = "$dynamicRef";  // or "$recursiveRef" (2019-09)

  // generic
  bool has_const = false;
  boost::json::value const_value;
  bool has_enum = false;
  std::vector<boost::json::value> enum_values;
  // When every enum value is a string (the usual case), a hash lookup instead of a scan.
  bool enum_all_strings = false;
  PropertyTable enum_strings{PropertyTable::Steps::None};

  // numbers
  NumberBound minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;

  // strings
  std::uint64_t min_length = 0, max_length = UINT64_MAX;
  bool has_min_length = false, has_max_length = false;
  std::shared_ptr<const Regex> pattern;
  Format format = Format::None;
  std::string format_name;
  bool format_assert = false;
  // draft-07 contentEncoding "base64" / contentMediaType "application/json" (asserted there;
  // annotations only in 2020-12).
  bool content_base64 = false;
  bool content_json = false;

  // arrays
  std::vector<NodeId> prefix_items;
  NodeId items = kNoNode;  // applies from prefix_items.size() on
  const char* items_keyword = "items";
  NodeId contains = kNoNode;
  std::uint64_t min_contains = 1, max_contains = UINT64_MAX;
  bool has_max_contains = false;
  std::uint64_t min_items = 0, max_items = UINT64_MAX;
  bool has_min_items = false, has_max_items = false;
  bool unique_items = false;
  NodeId unevaluated_items = kNoNode;

  // objects
  PropertyTable properties;
  std::vector<PatternSchema> pattern_properties;
  NodeId additional_properties = kNoNode;
  NodeId property_names = kNoNode;
  std::vector<std::string> required;
  std::vector<DependentRequired> dependent_required;
  std::vector<DependentSchema> dependent_schemas;
  std::uint64_t min_properties = 0, max_properties = UINT64_MAX;
  bool has_min_properties = false, has_max_properties = false;
  NodeId unevaluated_properties = kNoNode;
  const char* dependent_required_keyword = "dependentRequired";
  const char* dependent_schemas_keyword = "dependentSchemas";

  // applicators
  std::vector<NodeId> all_of, any_of, one_of;
  NodeId not_ = kNoNode, if_ = kNoNode, then_ = kNoNode, else_ = kNoNode;

  // Which groups of checks are present, so validation skips what a node does not use.
  bool has_object_checks = false;
  bool has_array_checks = false;
  bool has_string_checks = false;
  bool has_number_checks = false;
  bool has_applicators = false;
  // Every "required" name is a key of "properties" and those entries are marked, so the quiet
  // path counts required members while walking the object (keys are unique) instead of
  // looking each name up.
  bool required_in_properties = false;
  std::size_t required_count = 0;  // distinct names in "required"
};

// Whether a node has nothing but "$ref" (no sibling keyword, not nullable): evaluating it is
// evaluating its target, bar the "$ref" step of error locations.
inline bool only_ref(const Node& n) noexcept {
  return n.ref != kNoNode && n.dynamic_ref == kNoNode && !n.boolean_schema && n.types == 0 &&
         !n.nullable && !n.has_const && !n.has_enum && !n.pattern && !n.content_base64 &&
         !n.content_json && !(n.format_assert && n.format != Format::None) && !n.has_array_checks &&
         !n.has_object_checks && !n.has_string_checks && !n.has_number_checks &&
         !n.has_applicators && !n.needs_annotations;
}

struct Resource {
  std::vector<std::pair<std::string, NodeId>> dynamic_anchors;
};

struct ProgramData {
  std::vector<Node> nodes;
  std::vector<Resource> resources;
  Limits limits;
  bool has_dynamic_refs = false;  // whether validation must track the dynamic scope
  // Every property name the nodes declare, its number its entry's index (PropertyTable::set_key
  // gives each table entry that number): the dictionary a Document's parse resolves member
  // names in.
  PropertyTable keys{PropertyTable::Steps::None};
};

}  // namespace brrt::schema::detail
