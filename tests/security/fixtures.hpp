#pragma once
// JWT fixtures made by an independent implementation (npm `jose`, via make_fixtures.mjs),
// generated once per test program into a temporary file.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace brrt::test {

inline const boost::json::value* jwt_fixtures(std::string& why_not) {
  static std::optional<boost::json::value> fixtures;
  static std::string error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const std::string src = BRRT_SOURCE_DIR;
    if (!std::filesystem::exists(src + "/node_modules/jose/package.json")) {
      error = "node_modules/jose is not installed (scripts/setup.sh runs npm ci)";
    } else if (std::system("command -v node >/dev/null 2>&1") != 0) {
      error = "node is not installed (scripts/setup.sh installs it)";
    } else {
      const auto out = std::filesystem::temp_directory_path() /
                       ("brrt-jwt-fixtures-" + std::to_string(::getpid()) + ".json");
      const std::string cmd =
          "node " + src + "/tests/security/make_fixtures.mjs " + out.string() + " 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        error = "make_fixtures.mjs failed";
      } else {
        std::ifstream in(out);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        fixtures = boost::json::parse(text);
        std::filesystem::remove(out);
      }
    }
  }
  why_not = error;
  return fixtures ? &*fixtures : nullptr;
}

}  // namespace brrt::test
