// PropertyTable: the name -> property lookup every object member goes through. Names are
// compared as a length and two words (schema/property_table.hpp), built without a branch on
// the length; these tests check that encoding against plain string comparison at every
// length, at every byte position, for the scanned (small) and the hashed (large) table, and
// through the member-order cursor.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/property_table.hpp"

using brrt::schema::detail::PropertyTable;

namespace {

// A name of `n` bytes that differs from every other length's name in every position.
std::string name_of_length(std::size_t n, char base = 'a') {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(base + (i * 7 + n) % 26);
  return s;
}

// The index of the entry a lookup found (by its node), or -1.
long found(const PropertyTable& t, std::string_view name) {
  const std::uint32_t node = t.find(name);
  return node == UINT32_MAX ? -1 : static_cast<long>(node);
}

}  // namespace

TEST(PropertyTable, FindsEveryNameLengthAndRejectsEveryOneByteChange) {
  for (const std::size_t count : {std::size_t{4}, std::size_t{41}}) {  // scanned, hashed
    PropertyTable t;
    std::vector<std::string> names;
    for (std::size_t n = 0; n < count; ++n) {
      names.push_back(name_of_length(n));
      t.add(names.back(), static_cast<std::uint32_t>(n));
    }
    for (std::size_t n = 0; n < count; ++n) {
      // The name itself, from storage other than the table's.
      const std::string copy(names[n].begin(), names[n].end());
      EXPECT_EQ(found(t, copy), static_cast<long>(n)) << "length " << n;
      // Each byte changed in turn: the first, the middle and the last bytes of long names are
      // read by different words of the encoding.
      for (std::size_t i = 0; i < n; ++i) {
        std::string changed = copy;
        changed[i] = static_cast<char>(changed[i] ^ 0x20);
        EXPECT_EQ(found(t, changed), -1) << "length " << n << ", byte " << i;
      }
      // One byte shorter and one longer: a prefix or an extension of a declared name.
      if (n > 0) {
        EXPECT_NE(found(t, std::string_view(copy).substr(0, n - 1)), static_cast<long>(n));
      }
      EXPECT_NE(found(t, copy + "x"), static_cast<long>(n));
    }
  }
}

TEST(PropertyTable, NamesWithTheSameEndsAreTold) {
  // Names that agree on their first and last 8 bytes differ only in the middle words.
  PropertyTable t;
  t.add("abcdefgh_one_ijklmnop", 0);
  t.add("abcdefgh_two_ijklmnop", 1);
  t.add("abcdefghXXXXXXXXXXXXXXXXXXXXXXXXXXXXXijklmnop", 2);
  t.add("abcdefghYXXXXXXXXXXXXXXXXXXXXXXXXXXXXijklmnop", 3);
  EXPECT_EQ(found(t, "abcdefgh_one_ijklmnop"), 0);
  EXPECT_EQ(found(t, "abcdefgh_two_ijklmnop"), 1);
  EXPECT_EQ(found(t, "abcdefghXXXXXXXXXXXXXXXXXXXXXXXXXXXXXijklmnop"), 2);
  EXPECT_EQ(found(t, "abcdefghYXXXXXXXXXXXXXXXXXXXXXXXXXXXXijklmnop"), 3);
  EXPECT_EQ(found(t, "abcdefgh_six_ijklmnop"), -1);
  EXPECT_EQ(found(t, "abcdefghXXXXXXXXXXXXXXXXXXXXXXXXXXXXZijklmnop"), -1);
  // Short names with the same first, middle and last byte, and embedded NULs.
  t.add("aba", 4);
  t.add("aca", 5);
  t.add(std::string("a\0b", 3), 6);
  EXPECT_EQ(found(t, "aba"), 4);
  EXPECT_EQ(found(t, "aca"), 5);
  EXPECT_EQ(found(t, std::string_view("a\0b", 3)), 6);
  EXPECT_EQ(found(t, std::string_view("a\0c", 3)), -1);
  EXPECT_EQ(found(t, "ada"), -1);
  EXPECT_EQ(found(t, ""), -1);
}

TEST(PropertyTable, CursorFollowsTheDeclaredOrderAndFallsBackToTheIndex) {
  PropertyTable t;
  std::vector<std::string> names;
  for (std::size_t n = 1; n <= 20; ++n) {
    names.push_back(name_of_length(n, 'A'));
    t.add(names.back(), static_cast<std::uint32_t>(n));
  }
  // In order (each lookup the predicted entry), reversed, and with unknown names between.
  PropertyTable::Cursor in_order(t);
  for (const std::string& n : names) {
    const PropertyTable::Entry* e = in_order.find(std::string(n));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->name, n);
  }
  PropertyTable::Cursor reversed(t);
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    EXPECT_EQ(reversed.find("unknown-" + *it), nullptr);
    const PropertyTable::Entry* e = reversed.find(std::string(*it));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->name, *it);
  }
}

// A table grows its hash index by doubling, inserting into it between doublings: every name
// is found at every size on the way (each power of two, one past it), and no absent one is.
TEST(PropertyTable, ManyNamesAreFoundAtEverySizeOnTheWay) {
  PropertyTable t(PropertyTable::Steps::None);  // as enum strings are kept
  std::vector<std::string> names;
  for (std::size_t n = 0; n < 5000; ++n) {
    names.push_back("value-" + std::to_string(n * 7919));
    t.add(names.back(), static_cast<std::uint32_t>(n));
    const std::size_t size = n + 1;
    const auto power_of_two = [](std::size_t x) { return x != 0 && (x & (x - 1)) == 0; };
    if (!power_of_two(size) && !power_of_two(size - 1) && size != 5000) continue;
    for (std::size_t k = 0; k < size; ++k)
      ASSERT_EQ(found(t, names[k]), static_cast<long>(k)) << "after " << size << ", name " << k;
    EXPECT_EQ(found(t, "value-" + std::to_string(size * 7919)), -1) << "after " << size;
    EXPECT_EQ(found(t, "value-"), -1);
  }
}
