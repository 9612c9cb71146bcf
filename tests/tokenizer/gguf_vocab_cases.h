// Reader for llama.cpp's tokenizer test cases (shared/vocab/cases/ggml-vocab-<name>.gguf.inp/.out).
//
// Format, as llama.cpp's convert_hf_to_gguf_update.py writes it: the .inp file is every case
// text followed by "\n__ggml_vocab_test__\n" (so a text may be empty or only newlines, and the
// file ends with the separator); line i of the .out file is " id id id" (a leading space before
// each id; empty for an empty encoding): the ids the model's Hugging Face tokenizer gives for
// text i with add_special_tokens=False, i.e. without BOS/EOS.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "primer/tokenizer.h"

namespace primer::testing {

struct VocabCase {
  std::string text;
  std::vector<TokenId> ids;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Empty when the files are missing or disagree in count (the caller asserts non-empty).
inline std::vector<VocabCase> read_vocab_cases(const std::string& inp_path, const std::string& out_path) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::string inp = slurp(inp_path);
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp.size();) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      texts.push_back(inp.substr(pos));
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::istringstream out(slurp(out_path));
  std::vector<VocabCase> cases;
  std::string line;
  for (size_t i = 0; std::getline(out, line); ++i) {
    if (i >= texts.size()) return {};
    VocabCase c;
    c.text = texts[i];
    std::istringstream ids(line);
    for (long id; ids >> id;) c.ids.push_back(static_cast<TokenId>(id));
    cases.push_back(std::move(c));
  }
  if (cases.size() != texts.size()) return {};
  return cases;
}

}  // namespace primer::testing
