// Byte-level BPE training (`primer tokenizer train`, train_bpe_tokenizer) against real oracles:
// hand-derived merges, Primer's own tokenizer loading the output (round trips), Hugging Face's
// official JS runtime loading the same tokenizer.json (identical ids), the GGUF conversion
// (identical ids and vocabulary hash), chunked counting vs whole-file counting, determinism over
// thread counts, and clear errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "model/vocab_export.h"
#include "primer/gguf.h"
#include "primer/train_data.h"
#include "primer/utf8.h"
#include "tokenizer/byte_level.h"
#include "train/bpe_train.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

#if defined(__SANITIZE_ADDRESS__)
constexpr int kCorpusLines = 600;
#else
constexpr int kCorpusLines = 3000;
#endif

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("primer_bpe_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string slurp(const std::string& path) { return primer::testing::slurp(path); }

// A deterministic mixed corpus: English prose with contractions, numbers and punctuation, code,
// accented Latin, Cyrillic, CJK, emoji, tabs and blank lines, and a special token now and then.
std::string make_corpus(int n_lines) {
  const std::vector<std::string> words = {
      "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "I'm", "they'll", "DON'T",
      "tokenizer", "token", "tokens", "merge", "merges", "merged", "training", "train", "model",
      "café", "naïve", "über", "Привет", "мир", "你好", "世界", "東京", "👋", "🎉🎉", "ok!", "(x)",
      "3.14159", "2024", "1234567", "foo_bar", "i++;", "{", "}", "return", "0;", "—", "«quoted»"};
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  // Made-up words from syllables give thousands of distinct words with shared pieces.
  const std::vector<std::string> syllables = {
      "ka", "to", "ri", "en", "the", "ing", "str", "ion", "an", "er", "pro", "con", "ti", "la",
      "mo", "ne", "ver", "sa", "qu", "ed", "é", "ü", "ñ", "ко", "ри", "на", "да", "你", "们", "の"};
  auto made_up = [&]() {
    std::string w;
    const uint32_t n = 1 + next() % 4;
    for (uint32_t i = 0; i < n; ++i) w += syllables[next() % syllables.size()];
    if (next() % 7 == 0 && static_cast<unsigned char>(w[0]) < 0x80) w[0] = static_cast<char>(w[0] - 32);
    return w;
  };
  std::string out;
  for (int line = 0; line < n_lines; ++line) {
    const uint32_t n_words = 3 + next() % 12;
    if (next() % 17 == 0) out += "\t";
    for (uint32_t i = 0; i < n_words; ++i) {
      if (i > 0) out += (next() % 23 == 0) ? "  " : " ";
      out += next() % 2 ? words[next() % words.size()] : made_up();
    }
    out += (next() % 5 == 0) ? ".\n\n" : (next() % 11 == 0 ? "\r\n" : "\n");
    if (next() % 97 == 0) out += "<|endoftext|>";
  }
  return out;
}

// Strings the ids are compared on: none of them is in the corpus verbatim.
std::vector<std::string> probe_strings() {
  return {"Hello world! The quick brown fox.",
          "I'm sure they'll say DON'T, it's fine; we've",
          "numbers 12345678 and 3.14159 and 2024-05-01",
          "whitespace  \n\n  runs\t\there   ",
          "   leading spaces",
          "trailing\n\n\n",
          "café naïve über déjà vu",
          "Привет, мир! Как дела?",
          "你好，世界。東京タワー",
          "emoji 👋🏽 family 👨‍👩‍👧 🎉",
          "int main() { return 0; }\n  i++;\r\n",
          "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n",
          "«quoted» — dash … ellipsis",
          "tokenizer tokenizers tokenized retrain merges",
          ""};
}

struct Trained {
  std::string json_path, config_path;
};

Trained train_corpus(const TempDir& dir, const std::string& pre, int64_t vocab_size, int threads = 2,
                     const std::string& name = "tok.json") {
  const std::string corpus = dir.file("corpus.txt");
  if (!fs::exists(corpus)) write_text(corpus, make_corpus(kCorpusLines));
  BpeTrainOptions o;
  o.vocab_size = vocab_size;
  o.pre = pre;
  ThreadPool pool(threads);
  Logger logger(LogLevel::kWarn);
  Status s = train_bpe_tokenizer({corpus}, o, dir.file(name), pool, logger);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return {dir.file(name), dir.file("tokenizer_config.json")};
}

Tokenizer load_hf(const Trained& t) {
  auto tok = Tokenizer::from_hf_files(t.json_path, t.config_path);
  EXPECT_TRUE(tok.ok()) << tok.error().message;
  return std::move(tok).value();
}

std::vector<std::string> merges_of(const std::string& json_path) {
  Json root = Json::parse(slurp(json_path));
  std::vector<std::string> out;
  for (const Json& m : root["model"]["merges"]) out.push_back(m.get<std::string>());
  return out;
}

std::string train_text(const TempDir& dir, const std::string& text, const std::string& pre,
                       int64_t vocab_size, int64_t min_frequency) {
  write_text(dir.file("text.txt"), text);
  BpeTrainOptions o;
  o.vocab_size = vocab_size;
  o.pre = pre;
  o.min_frequency = min_frequency;
  o.special_tokens = {};
  ThreadPool pool(1);
  Logger logger(LogLevel::kError);  // stopping early at min_frequency is expected here
  Status s = train_bpe_tokenizer({dir.file("text.txt")}, o, dir.file("hand.json"), pool, logger);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return dir.file("hand.json");
}

// ---- hand-checkable corpora ---------------------------------------------------------------

// Wikipedia's example: aaabdaaabac -> aa (4), then ab and Za tie at 2 and ab has the smaller
// ids (a, b) < (aa, a); then aa+ab (2). Every other pair occurs once.
TEST(BpeTrain, ClassicExampleMerges) {
  TempDir dir;
  const std::string path = train_text(dir, "aaabdaaabac", "gpt2", 1000, 2);
  EXPECT_EQ(merges_of(path), (std::vector<std::string>{"a a", "a b", "aa ab"}));
  auto tok = Tokenizer::from_hf_files(path);
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  EXPECT_EQ(tok->vocab_size(), 259u);
  // GPT-2 byte order: '!' is id 0, 'a' (0x61) is id 0x61 - 0x21, 'Ā' (byte 0) follows 0xFF.
  EXPECT_EQ(tok->piece(0), "!");
  EXPECT_EQ(tok->piece(0x61 - 0x21), "a");
  EXPECT_EQ(tok->piece(188), "\xC4\x80");  // U+0100 = byte 0x00
  EXPECT_EQ(tok->piece(256), "aa");
  EXPECT_EQ(tok->piece(258), "aaab");
  EXPECT_EQ(tok->encode("aaabdaaabac", {.add_special = false}),
            (std::vector<TokenId>{258, 'd' - 0x21, 258, 'a' - 0x21, 'c' - 0x21}));
}

// The Hugging Face course example, one word per line: hug x10, pug x5, pun x12, bun x4, hugs x5.
// Pair counts: ug 20, pu 17, un 16, hu 15 -> "u g"; then un 16 -> "u n"; then h+ug 15; then
// p+un 12; what is left (p+ug 5, ug+s 5, b+un 4) is under min_frequency 6.
TEST(BpeTrain, CourseExampleMerges) {
  TempDir dir;
  std::string text;
  for (auto [word, n] : std::vector<std::pair<std::string, int>>{
           {"hug", 10}, {"pug", 5}, {"pun", 12}, {"bun", 4}, {"hugs", 5}}) {
    for (int i = 0; i < n; ++i) text += word + "\n";
  }
  const std::string path = train_text(dir, text, "llama3", 1000, 6);
  EXPECT_EQ(merges_of(path), (std::vector<std::string>{"u g", "u n", "h ug", "p un"}));
}

TEST(BpeTrain, VocabSizeIsExactAndLayoutIsBytesMergesSpecials) {
  TempDir dir;
  Trained t = train_corpus(dir, "llama3", 700);
  Tokenizer tok = load_hf(t);
  ASSERT_EQ(tok.vocab_size(), 700u);
  // Ids 0..255: one per byte, in GPT-2 order (code points of the byte-level characters ascend).
  const bpe::ByteAlphabet alphabet = bpe::byte_alphabet();
  for (int id = 0; id < 256; ++id) {
    const std::string byte(1, static_cast<char>(alphabet.byte_of_id[id]));
    EXPECT_EQ(tok.piece(id), std::string(tok::byte_to_utf8(alphabet.byte_of_id[id])));
    if (id > 0) {
      EXPECT_LT(tok::byte_to_codepoint(alphabet.byte_of_id[id - 1]),
                tok::byte_to_codepoint(alphabet.byte_of_id[id]));
    }
    EXPECT_EQ(tok.decode({id}), utf8::sanitize(byte));
  }
  EXPECT_EQ(tok.piece(697), "<|endoftext|>");
  EXPECT_EQ(tok.piece(698), "<|im_start|>");
  EXPECT_EQ(tok.piece(699), "<|im_end|>");
  EXPECT_EQ(tok.attr(699), TokenAttr::kControl);
  EXPECT_EQ(tok.bos(), 697);
  EXPECT_EQ(tok.eos(), 697);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_NE(tok.chat_template().find("<|im_start|>"), std::string::npos);
  Json root = Json::parse(slurp(t.json_path));
  EXPECT_EQ(root["model"]["merges"].size(), 697u - 256u);
  EXPECT_EQ(root["model"]["ignore_merges"], true);
  EXPECT_EQ(root["pre_tokenizer"]["type"], "Sequence");
  EXPECT_EQ(root["added_tokens"].size(), 3u);
  EXPECT_EQ(root["added_tokens"][0]["special"], true);
}

// ---- Primer loads the output and round-trips text ----------------------------------------

class BpeTrainPre : public ::testing::TestWithParam<const char*> {};

TEST_P(BpeTrainPre, PrimerRoundTripsText) {
  TempDir dir;
  Trained t = train_corpus(dir, GetParam(), 800);
  Tokenizer tok = load_hf(t);
  size_t n_bytes = 0, n_ids = 0;
  for (const std::string& s : probe_strings()) {
    const std::vector<TokenId> ids = tok.encode(s, {.add_special = false});
    EXPECT_EQ(tok.decode(ids), s) << "pre " << GetParam();
    n_bytes += s.size();
    n_ids += ids.size();
  }
  EXPECT_LT(n_ids, n_bytes);
  // Learned merges are used: the training text takes far fewer tokens than bytes.
  std::string corpus = slurp(dir.file("corpus.txt"));
  corpus.resize(corpus.rfind('\n', 20000) + 1);  // whole lines: valid UTF-8
  const std::vector<TokenId> corpus_ids = tok.encode(corpus, {.add_special = false});
  EXPECT_EQ(tok.decode(corpus_ids), corpus);
  EXPECT_LT(corpus_ids.size() * 2, corpus.size());
  const std::vector<TokenId> chat = tok.encode("<|im_start|>user\nhi<|im_end|>", {.add_special = false});
  ASSERT_GE(chat.size(), 3u);
  EXPECT_EQ(chat.front(), *tok.find_piece("<|im_start|>"));
  EXPECT_EQ(chat.back(), *tok.find_piece("<|im_end|>"));
}

// ---- Hugging Face's JS runtime gives the same ids ------------------------------------------

bool node_available() { return std::system("node --version >/dev/null 2>&1") == 0; }

TEST_P(BpeTrainPre, HuggingFaceJsGivesSameIds) {
  const std::string package = std::string(PRIMER_NODE_DIR) + "/node_modules/@huggingface/tokenizers/package.json";
  if (!node_available()) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(package)) GTEST_SKIP() << package << " is missing (run npm ci in tools/node)";
  TempDir dir;
  Trained t = train_corpus(dir, GetParam(), 800);
  Tokenizer tok = load_hf(t);
  const std::vector<std::string> strings = probe_strings();
  write_text(dir.file("strings.json"), Json(strings).dump());
  const std::string script = std::string(PRIMER_SOURCE_DIR) + "/tests/train/bpe_hf_check.mjs";
  const std::string cmd = "node '" + script + "' '" + PRIMER_NODE_DIR + "' '" + t.json_path + "' '" +
                          t.config_path + "' '" + dir.file("strings.json") + "' > '" +
                          dir.file("ids.json") + "'";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  Json ids = Json::parse(slurp(dir.file("ids.json")));
  ASSERT_EQ(ids.size(), strings.size());
  for (size_t i = 0; i < strings.size(); ++i) {
    EXPECT_EQ(tok.encode(strings[i], {.add_special = false}), ids[i].get<std::vector<TokenId>>())
        << "pre " << GetParam() << ", string " << i << ": " << strings[i];
  }
}

// ---- embedded in GGUF: same ids, same vocabulary hash ----------------------------------

TEST_P(BpeTrainPre, GgufConversionEncodesSameIds) {
  TempDir dir;
  Trained t = train_corpus(dir, GetParam(), 800);
  Tokenizer hf = load_hf(t);
  GgufWriter writer;
  auto n = model::add_vocab_from(t.json_path, writer);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 800);
  ASSERT_TRUE(writer.write(dir.file("vocab.gguf")).ok());
  auto gguf = load_tokenizer_any(dir.file("vocab.gguf"));
  ASSERT_TRUE(gguf.ok()) << gguf.error().message;
  for (const std::string& s : probe_strings()) {
    EXPECT_EQ((*gguf)->encode(s), hf.encode(s)) << "pre " << GetParam() << ": " << s;
  }
  EXPECT_EQ(tokenizer_vocab_hash(**gguf), tokenizer_vocab_hash(hf));
  auto again = load_tokenizer_any(t.json_path);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(tokenizer_vocab_hash(**again), tokenizer_vocab_hash(hf));
}

INSTANTIATE_TEST_SUITE_P(Pre, BpeTrainPre, ::testing::Values("llama3", "qwen2", "gpt2"));

TEST(BpeTrain, VocabHashSeesEveryToken) {
  TempDir dir;
  Tokenizer a = load_hf(train_corpus(dir, "llama3", 600, 2, "a.json"));
  Tokenizer b = load_hf(train_corpus(dir, "llama3", 601, 2, "b.json"));
  Tokenizer c = load_hf(train_corpus(dir, "qwen2", 600, 2, "c.json"));
  EXPECT_NE(tokenizer_vocab_hash(a), tokenizer_vocab_hash(b));
  EXPECT_NE(tokenizer_vocab_hash(a), tokenizer_vocab_hash(c));
}

// ---- counting: chunked and threaded equals whole-file -------------------------------------

TEST(BpeTrain, ChunkedCountsEqualWholeText) {
  TempDir dir;
  const std::string corpus = dir.file("corpus.txt");
  std::string text = make_corpus(kCorpusLines / 2);
  text += "\xC3\x28 invalid \xF0\x9F bytes\n";  // replaced by U+FFFD, as the engine does
  write_text(corpus, text);
  for (const char* name : {"gpt2", "llama3", "qwen2"}) {
    auto spec = bpe::find_pre_spec(name);
    ASSERT_TRUE(spec.ok());
    auto pre = bpe::make_pre_tokenizer(bpe::pre_tokenizer_json(*spec));
    ASSERT_TRUE(pre.ok()) << pre.error().message;
    Logger logger(LogLevel::kWarn);
    ThreadPool one(1), three(3);
    const std::vector<std::string> specials = {"<|endoftext|>"};
    auto whole = bpe::count_words({corpus}, specials, 0, **pre, one, logger, size_t{1} << 40);
    auto chunked = bpe::count_words({corpus}, specials, 0, **pre, three, logger, 512);
    ASSERT_TRUE(whole.ok() && chunked.ok());
    EXPECT_EQ(whole->words, chunked->words) << name;
    EXPECT_EQ(whole->counts, chunked->counts) << name;
    EXPECT_EQ(whole->n_bytes, text.size());
    // The specials' text never reaches the pre-tokenizer.
    for (const std::string& w : whole->words) EXPECT_EQ(w.find("endoftext|>"), std::string::npos) << w;
  }
}

TEST(BpeTrain, MaxBytesCutsAtALineEnd) {
  TempDir dir;
  write_text(dir.file("a.txt"), "alpha beta\ngamma delta\n");
  write_text(dir.file("b.txt"), "epsilon\n");
  auto spec = bpe::find_pre_spec("gpt2");
  auto pre = bpe::make_pre_tokenizer(bpe::pre_tokenizer_json(*spec));
  ASSERT_TRUE(pre.ok());
  ThreadPool pool(1);
  Logger logger(LogLevel::kWarn);
  auto counts = bpe::count_words({dir.file("a.txt"), dir.file("b.txt")}, {}, 15, **pre, pool, logger);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->n_bytes, 11u);  // "alpha beta\n"
  EXPECT_EQ(counts->words, (std::vector<std::string>{"alpha", "Ċ", "Ġbeta"}));
}

// ---- determinism -----------------------------------------------------------------------

TEST(BpeTrain, SameOutputForAnyThreadCount) {
  TempDir dir;
  Trained one = train_corpus(dir, "llama3", 900, 1, "one.json");
  Trained four = train_corpus(dir, "llama3", 900, 4, "four.json");
  Trained again = train_corpus(dir, "llama3", 900, 4, "again.json");
  EXPECT_EQ(slurp(one.json_path), slurp(four.json_path));
  EXPECT_EQ(slurp(four.json_path), slurp(again.json_path));
}

// ---- errors ------------------------------------------------------------------------------

Status try_train(const std::vector<std::string>& files, BpeTrainOptions o, const std::string& out) {
  ThreadPool pool(1);
  Logger logger(LogLevel::kOff);
  return train_bpe_tokenizer(files, o, out, pool, logger);
}

void expect_error(const Status& s, const std::string& part) {
  ASSERT_FALSE(s.ok()) << "expected an error containing '" << part << "'";
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}

TEST(BpeTrain, ClearErrors) {
  TempDir dir;
  write_text(dir.file("text.txt"), "some text\n");
  write_text(dir.file("empty.txt"), "");
  const std::string out = dir.file("out.json");
  BpeTrainOptions o;
  o.vocab_size = 258;  // 256 bytes + 3 specials do not fit
  expect_error(try_train({dir.file("text.txt")}, o, out), "vocab_size 258 is too small");
  o.vocab_size = 1000;
  expect_error(try_train({dir.file("missing.txt")}, o, out), "missing.txt");
  expect_error(try_train({dir.file("empty.txt")}, o, out), "hold no text");
  expect_error(try_train({}, o, out), "no input files");
  o.pre = "bert";
  expect_error(try_train({dir.file("text.txt")}, o, out), "pre-tokenizer 'bert'");
  o.pre = "llama3";
  o.special_tokens = {"<a>", "<a>"};
  expect_error(try_train({dir.file("text.txt")}, o, out), "'<a>' is given twice");
  o.special_tokens = {"<|endoftext|>"};
  write_text(dir.file("only_special.txt"), "<|endoftext|><|endoftext|>");
  expect_error(try_train({dir.file("only_special.txt")}, o, out), "no text besides special tokens");
  EXPECT_FALSE(fs::exists(out));
  expect_error(try_train({dir.file("text.txt")}, o, dir.file("no_such_dir/out.json")), "cannot write");
}

// ---- the command ---------------------------------------------------------------------------

TEST(BpeTrain, CommandWritesFilesAndReportsErrors) {
  TempDir dir;
  write_text(dir.file("corpus.txt"), make_corpus(200));
  const std::string out = dir.file("tok.json");
  auto r = primer::testing::run_primer("tokenizer train --vocab-size 400 --pre qwen2 --special '<|endoftext|>' "
                                       "--special '<|im_start|>' --special '<|im_end|>' -t 2 -o '" +
                                           out + "' '" + dir.file("corpus.txt") + "'",
                                       dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("400 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("merges/s"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("tokenizer_config.json")));
  auto tok = load_tokenizer_any(out);
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  EXPECT_EQ((*tok)->vocab_size(), 400u);

  r = primer::testing::run_primer("tokenizer train --vocab-size 100 -o '" + out + "' '" +
                                      dir.file("corpus.txt") + "'",
                                  dir.path);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("primer tokenizer train: [tokenizer train] vocab_size 100 is too small"),
            std::string::npos)
      << r.err;
  r = primer::testing::run_primer("tokenizer train -o '" + out + "' '" + dir.file("nope.txt") + "'", dir.path);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace primer::train
