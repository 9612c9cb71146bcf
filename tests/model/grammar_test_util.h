// Test helpers for grammars: a seeded random sentence generator (a random walk over the compiled
// rules that prefers the shortest alternative once deep or long, so it always terminates) and a
// bridge to ajv (node) for JSON Schema validation.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "model/grammar_impl.h"
#include "primer/grammar.h"
#include "primer/utf8.h"

namespace primer::testing {

class SentenceGenerator {
 public:
  SentenceGenerator(const Grammar& grammar, uint32_t seed) : g_(grammar.impl()), rng_(seed) {
    // Minimal sentence length of each rule (fixpoint; unreachable-by-termination rules stay huge).
    const size_t kInf = size_t{1} << 40;
    min_len_.assign(g_.n_rules(), kInf);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < g_.n_rules(); ++r) {
        for (uint32_t a = g_.rule_alts[r]; a < g_.rule_alts[r + 1]; ++a) {
          size_t len = alt_min_len(g_.alt_begin[a]);
          if (len < min_len_[r]) { min_len_[r] = len; changed = true; }
        }
      }
    }
  }

  std::string generate() {
    std::string out;
    gen_rule(g_.root, 0, out);
    return out;
  }

 private:
  size_t alt_min_len(uint32_t p) const {
    size_t len = 0;
    for (; !g_.seq_done(p); ++p) {
      const GrammarElem& e = g_.elems[p];
      len += e.op == GrammarOp::kChar ? 1 : min_len_[e.arg];
    }
    return len;
  }

  void gen_rule(uint32_t r, int depth, std::string& out) {
    uint32_t a0 = g_.rule_alts[r], a1 = g_.rule_alts[r + 1];
    uint32_t pick = a0;
    bool shortest = depth > 12 || out.size() > 300;
    if (shortest) {
      for (uint32_t a = a0; a < a1; ++a) {
        if (alt_min_len(g_.alt_begin[a]) < alt_min_len(g_.alt_begin[pick])) pick = a;
      }
    } else {
      pick = a0 + static_cast<uint32_t>(rng_() % (a1 - a0));
    }
    for (uint32_t p = g_.alt_begin[pick]; !g_.seq_done(p); ++p) {
      const GrammarElem& e = g_.elems[p];
      if (e.op == GrammarOp::kChar) utf8::append(out, random_char(g_.classes[e.arg]));
      else gen_rule(e.arg, depth + 1, out);
    }
  }

  char32_t random_char(const CharClass& c) {
    if (!c.negated) {
      const auto& [lo, hi] = c.ranges[rng_() % c.ranges.size()];
      char32_t cp = lo + static_cast<char32_t>(rng_() % (hi - lo + 1));
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = lo;
      return cp;
    }
    static const char32_t kPool[] = {'a', 'Z', '0', ' ', '"', '\\', '\n', '\t', '{', '}', '-', '.', 'x',
                                     U'é', U'ß', U'中', U'😀', U'ж', 0x7F, 0x1F};
    for (int tries = 0; tries < 64; ++tries) {
      char32_t cp = kPool[rng_() % std::size(kPool)];
      if (c.contains(cp)) return cp;
    }
    for (char32_t cp = 0x20; cp < 0x10000; ++cp) {
      if (c.contains(cp)) return cp;
    }
    return 'a';
  }

  const GrammarImpl& g_;
  std::mt19937 rng_;
  std::vector<size_t> min_len_;
};

inline std::string node_modules_dir() { return std::string(PRIMER_NODE_DIR) + "/node_modules"; }

inline bool ajv_available() {
  if (std::system("node --version > /dev/null 2>&1") != 0) return false;
  return std::filesystem::exists(node_modules_dir() + "/ajv/dist/2020.js");
}

struct AjvJob {
  std::string schema;             // JSON text
  std::vector<std::string> docs;  // raw document texts
};

// ajv's verdict per job and document: 1 valid, 0 invalid, -1 not JSON. Empty on failure to run.
// One node process for all jobs.
inline std::vector<std::vector<int>> ajv_validate(const std::vector<AjvJob>& jobs) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("primer_ajv_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  nlohmann::json arr = nlohmann::json::array();
  for (const AjvJob& job : jobs) {
    arr.push_back({{"schema", nlohmann::json::parse(job.schema)}, {"docs", job.docs}});
  }
  std::ofstream(dir / "jobs.json") << arr.dump();
  std::string script = std::string(PRIMER_SOURCE_DIR) + "/tests/model/ajv_check.mjs";
  std::string cmd = "node '" + script + "' '" + node_modules_dir() + "' '" + (dir / "jobs.json").string() +
                    "' > '" + (dir / "out.json").string() + "'";
  int rc = std::system(cmd.c_str());
  std::vector<std::vector<int>> result;
  if (rc == 0) {
    std::ifstream in(dir / "out.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_array()) result = j.get<std::vector<std::vector<int>>>();
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace primer::testing
