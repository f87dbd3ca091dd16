#pragma once
// A real client written for Node (tests/dispatch/*.mjs, using npm packages pinned in
// package-lock.json), run against a server a test started: its exit status and everything it
// printed (stdout and stderr), for the test to compare line by line.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace brrt::test {

inline bool have_node() {
  return std::system("node --version > /dev/null 2>&1") == 0;
}

struct NodeRun {
  int status = -1;  // pclose's: 0 when the client exited 0
  std::string out;
};

// Runs `node <source dir>/<script> <args>`.
inline NodeRun run_node(const std::string& script, const std::string& args) {
  const std::string cmd =
      "node " + std::string(BRRT_SOURCE_DIR) + "/" + script + " " + args + " 2>&1";
  NodeRun run;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) run.out += buf;
  run.status = ::pclose(p);
  return run;
}

}  // namespace brrt::test
