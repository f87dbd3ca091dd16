#pragma once
// The C++ types a spec's schemas become: built by walking the schemas the operations use
// (following $refs into every document of the spec), then ordered so that each struct is
// complete before a member needs it. A schema reached twice (two $refs to one place) is one
// type.
#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/codegen/generator.hpp"
#include "brrt/spec/api.hpp"
#include "codegen/identifier.hpp"

namespace brrt::codegen {

struct CppType {
  enum class Kind { Json, String, Int64, Int32, Double, Bool, Vector, Map, Optional, Named };
  Kind kind = Kind::Json;
  std::size_t decl = 0;                  // Named: index into TypeModel::decls()
  std::shared_ptr<const CppType> inner;  // Vector, Map, Optional: the element type

  static CppType of(Kind k) { return CppType{k, 0, nullptr}; }
  static CppType wrap(Kind k, CppType element) {
    return CppType{k, 0, std::make_shared<const CppType>(std::move(element))};
  }
  static CppType named(std::size_t decl) { return CppType{Kind::Named, decl, nullptr}; }
};

struct Field {
  std::string json_name;
  std::string cpp_name;
  CppType type;  // std::optional<...> unless required and not nullable
  bool required = false;
  // readOnly: true / writeOnly: true (on the property's schema, else along its $ref chain, as
  // validation finds them): the member is sent on one side only, so it is optional whatever
  // `required` says; a readOnly one is not read from requests, a writeOnly one never written.
  bool read_only = false;
  bool write_only = false;
  std::string description;
};

struct Decl {
  // Json: a schema that was to be a variant but sits on a cycle of members (a struct holding
  // it by value, which holds the struct): it keeps its name and holds a boost::json::value.
  enum class Kind { Struct, Enum, Variant, Json };
  Kind kind = Kind::Struct;
  std::string name;
  std::string description;
  std::string location;       // file and JSON pointer, for the comment above it
  std::vector<Field> fields;  // Struct
  // Struct: where an `additionalProperties` schema (or `true`) or `patternProperties` beside
  // `properties` puts the members `properties` does not name: a std::map member (of JSON
  // values when patternProperties is there), read from and written after the declared ones.
  // Absent (neither keyword): those members are dropped when read.
  std::optional<Field> additional;
  std::vector<std::pair<std::string, std::string>> enumerators;  // Enum: JSON text, C++ name
  std::string discriminator;                                     // Variant: property name
  std::vector<std::size_t> alternatives;                         // Variant: decl indexes
  std::vector<std::pair<std::string, std::size_t>> mapping;      // Variant: value -> position
};

class TypeModel {
 public:
  TypeModel(const spec::Api& api, NameScope& type_names);

  // The type of the schema at `ref`; `hint` names a struct or enum it declares when the schema
  // is inline (not a components.schemas entry or other $ref target).
  CppType map(const spec::SchemaRef& ref, std::string_view hint);
  // Whether the schema at `ref` (through $refs) has a `default`.
  bool has_default(const spec::SchemaRef& ref) const;
  // Whether the schema at `ref` (through $refs), or its array items, describes objects or a
  // composition (type object, properties, additionalProperties, allOf, anyOf, oneOf): a value
  // the simple style writes as no typed text. Looks without declaring anything.
  bool composite(const spec::SchemaRef& ref) const;

  // Orders the declarations (each after what it holds by value) and breaks cycles of by-value
  // members; call once, after the last map().
  void finish();
  const std::vector<Decl>& decls() const noexcept { return decls_; }
  const std::vector<std::size_t>& order() const noexcept { return order_; }
  std::vector<Note>& notes() noexcept { return notes_; }

  std::string render(const CppType& t) const;
  // A member's initializer: `{}` for the types default-initialization leaves indeterminate
  // (numbers, bool, enums), nothing for class types. An initializer on a class-type member
  // makes clang instantiate its constexpr constructor (and destructor) where the struct is
  // defined, which fails for an optional vector of a struct defined further down.
  std::string initializer(const CppType& t) const;

 private:
  struct Node {
    const spec::Document* document = nullptr;
    const boost::json::value* value = nullptr;
    std::string pointer;
    std::string key() const;    // identity: the document's URI and the pointer
    std::string where() const;  // for people: the document's path as given and the pointer
  };
  CppType map_node(const Node& n, std::string_view hint, int depth);
  CppType map_object(const Node& n, std::string_view hint, int depth);
  CppType map_variant(const Node& n, const boost::json::array& branches, std::string_view hint,
                      int depth);
  CppType map_enum(const Node& n, const boost::json::array& values, std::string_view hint);
  // The node a `$ref` names, or a node with a null value when it cannot be followed.
  Node follow(const Node& n, std::string_view ref) const;
  Node resolve(Node n) const;  // through $refs (a bare-$ref chain), bounded
  // The boolean `keyword` (readOnly, writeOnly) of the schema at `n`: its own, also beside a
  // $ref, else the first along its $ref chain; false when none says. The validator's rule
  // (schema::Compiler, Direction), so that the types and the checks agree.
  bool marked(const Node& n, std::string_view keyword) const;
  // Collects the properties and required names of an allOf's object branches; false when a
  // branch is not an object schema.
  bool collect_object(const Node& n, std::vector<std::pair<std::string, Node>>& props,
                      std::vector<std::string>& required, int depth) const;
  std::string name_for(const Node& n, std::string_view hint);
  // A new declaration of `kind` for the schema at `n`, named, located and registered.
  std::size_t declare(Decl::Kind kind, const Node& n, std::string_view hint);
  void fallback(const Node& n, std::string reason);

  const spec::Api& api_;
  NameScope& type_names_;
  std::vector<Decl> decls_;
  std::map<std::string, std::size_t, std::less<>> by_location_;  // key() -> decl
  std::vector<std::size_t> order_;
  std::vector<Note> notes_;
};

}  // namespace brrt::codegen
