// The engine commands end to end (run, perplexity, chat, bench) on a tiny random model made by
// `primer gen-model` with the Llama SPM vocabulary, plus the chat session's KV-cache reuse
// checked against decoding the whole conversation from scratch.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

#include "primer/engine.h"
#include "primer/model.h"
#include "primer/sampler.h"

#include "cli/cli_test_util.h"
#include "cli/generation.h"  // ChatSession (library primer_cli)

namespace {

namespace fs = std::filesystem;

const std::string kVocab = std::string(PRIMER_SHARED_DIR) + "/vocab/ggml-vocab-llama-spm.gguf";
const std::string kChatml = std::string(PRIMER_SHARED_DIR) + "/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja";

using primer::testing::RunResult;
using primer::testing::slurp;

// The number right after the first occurrence of `label` in `text` (std::regex is avoided: GCC
// 12 warns inside <regex> under -O2 with sanitizers).
std::optional<double> number_after(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str() + at + label.size(), &end);
  if (end == text.c_str() + at + label.size()) return std::nullopt;
  return v;
}

class EngineCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("primer_engine_cli_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    model_ = new std::string((*dir_ / "tiny.gguf").string());
    const std::string cmd = std::string(PRIMER_BINARY) + " gen-model --arch llama --n-embd 64 --n-layer 2 --vocab-from " +
                            kVocab + " -o " + *model_ + " > /dev/null 2>&1";
    gen_ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete model_;
  }
  void SetUp() override { ASSERT_TRUE(gen_ok_) << "primer gen-model failed"; }

  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static std::string write(const std::string& name, const std::string& content) {
    std::ofstream(path(name), std::ios::binary) << content;
    return path(name);
  }

  // Runs `primer <args>` with stdout and stderr captured (and stdin from a file when given).
  static RunResult run(const std::string& args, const std::string& stdin_file = "") {
    return primer::testing::run_primer(args, *dir_, stdin_file);
  }

  static std::unique_ptr<primer::Model> load() {
    auto m = primer::Model::load(*model_);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return std::move(m).value();
  }

  static std::vector<float> read_floats(const std::string& file) {
    const std::string bytes = slurp(file);
    std::vector<float> v(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
  }

  static inline fs::path* dir_ = nullptr;
  static inline std::string* model_ = nullptr;
  static inline bool gen_ok_ = false;
};

const char* const kText =
    "The quick brown fox jumps over the lazy dog. A stitch in time saves nine. "
    "Pack my box with five dozen liquor jugs. How vexingly quick daft zebras jump! ";

TEST_F(EngineCli, RunGreedyIsDeterministic) {
  const std::string args = "run -m " + *model_ + " -p 'Once upon a time' -n 12 --temp 0 -t 2";
  RunResult a = run(args), b = run(args + " --seed 5");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.err.find("generated: 12 tokens"), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("tok/s"), std::string::npos);
  // Seeded sampling is reproducible too.
  const std::string sargs = "run -m " + *model_ + " -p 'Once upon a time' -n 12 --temp 1.5 --top-k 0 --seed 9";
  RunResult c = run(sargs), d = run(sargs);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.out, d.out);
}

TEST_F(EngineCli, DumpLogitsRowsAndFirstToken) {
  auto model = load();
  const auto& tok = model->tokenizer();
  const std::string prompt = "Hello <s> world";  // "<s>" stays text: special tokens not parsed
  primer::EncodeOptions eo;
  eo.parse_special = false;
  const std::vector<int32_t> ids = tok.encode(prompt, eo);
  ASSERT_EQ(ids.front(), *tok.bos());
  const size_t n_vocab = static_cast<size_t>(model->config().n_vocab);

  const std::string dump = path("logits.f32");
  RunResult r = run("run -m " + *model_ + " -p '" + prompt + "' -n 1 --temp 0 -t 1 --dump-logits " + dump);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<float> logits = read_floats(dump);
  ASSERT_EQ(logits.size(), ids.size() * n_vocab);
  const float* last = logits.data() + (ids.size() - 1) * n_vocab;
  const int32_t argmax = static_cast<int32_t>(std::max_element(last, last + n_vocab) - last);
  EXPECT_EQ(r.out, tok.decode({argmax}));
  // Every row is a real distribution over the vocabulary, and rows differ.
  for (size_t i = 0; i < ids.size(); ++i) {
    const float* row = logits.data() + i * n_vocab;
    for (size_t j = 0; j < n_vocab; ++j) ASSERT_TRUE(std::isfinite(row[j]));
  }
  EXPECT_NE(logits[0], logits[n_vocab]);
}

TEST_F(EngineCli, PromptOnlyWithNZero) {
  RunResult r = run("run -m " + *model_ + " -p 'Just the prompt' -n 0 -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("prompt: "), std::string::npos);
  EXPECT_EQ(r.err.find("generated:"), std::string::npos);
}

TEST_F(EngineCli, StopStringIsNeverPrinted) {
  RunResult full = run("run -m " + *model_ + " -p 'Once upon a time' -n 24 --temp 0 -t 1");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_GE(full.out.size(), 4u);
  // Stop at a string taken from the middle of the greedy output.
  const std::string stop = full.out.substr(full.out.size() / 2, 2);
  const std::string expected = full.out.substr(0, full.out.find(stop));
  RunResult r = run("run -m " + *model_ + " -p 'Once upon a time' -n 24 --temp 0 -t 1 --stop '" + stop + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected);
  EXPECT_NE(r.err.find("stopped by stop string"), std::string::npos) << r.err;
}

TEST_F(EngineCli, PerplexityEqualsNllFromDumpedLogits) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += kText;
  const std::string file = write("text.txt", text);
  const int ctx = 32;
  RunResult p = run("perplexity -m " + *model_ + " -f " + file + " --ctx " + std::to_string(ctx) + " --chunks 1 -t 2");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::optional<double> mean_nll = number_after(p.out, "mean NLL = ");
  const std::optional<double> ppl = number_after(p.out, "PPL = ");
  const std::optional<double> scored = number_after(p.out, "scored tokens = ");
  ASSERT_TRUE(mean_nll && ppl && scored) << p.out;
  EXPECT_EQ(*scored, ctx - ctx / 2 - 1);
  EXPECT_TRUE(std::isfinite(*ppl));
  EXPECT_NEAR(*ppl, std::exp(*mean_nll), 1e-5 * *ppl);

  // The first window is the first ctx tokens of the file (it starts with BOS): its logits are
  // rows 0..ctx-1 of the whole file decoded as one prompt.
  auto model = load();
  primer::EncodeOptions eo;
  eo.parse_special = false;
  const std::vector<int32_t> ids = model->tokenizer().encode(text, eo);
  ASSERT_GE(ids.size(), 2u * ctx);
  const std::string dump = path("ppl_logits.f32");
  RunResult r = run("run -m " + *model_ + " -f " + file + " -n 0 -t 2 --dump-logits " + dump);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<float> logits = read_floats(dump);
  const size_t n_vocab = static_cast<size_t>(model->config().n_vocab);
  ASSERT_EQ(logits.size(), ids.size() * n_vocab);
  double nll = 0;
  int count = 0;
  for (int i = ctx / 2; i < ctx - 1; ++i) {
    nll -= primer::token_logprob(std::span<const float>(logits.data() + static_cast<size_t>(i) * n_vocab, n_vocab),
                                 ids[static_cast<size_t>(i) + 1]);
    ++count;
  }
  EXPECT_NEAR(*mean_nll, nll / count, 1e-4 * std::abs(nll / count));
}

TEST_F(EngineCli, ChatTwoTurnsFromAPipe) {
  const std::string input = write("chat_in.txt", "Hello there\nAnd a second question\n/reset\nFresh start\n");
  RunResult r = run("--log-level debug chat -m " + *model_ + " --template " + kChatml +
                        " --system 'Be brief.' -n 6 --temp 0 -t 2",
                    input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Debug lines "[D] [chat] prompt N tokens: M reused".
  std::vector<std::pair<int, int>> turns;
  const std::string key = "[D] [chat] prompt ";
  for (size_t at = r.err.find(key); at != std::string::npos; at = r.err.find(key, at + 1)) {
    int n = 0, reused = 0;
    if (std::sscanf(r.err.c_str() + at + key.size(), "%d tokens: %d reused", &n, &reused) == 2) {
      turns.emplace_back(n, reused);
    }
  }
  ASSERT_EQ(turns.size(), 3u) << r.err;
  EXPECT_EQ(turns[0].second, 0);
  EXPECT_GT(turns[1].second, turns[0].first / 2);  // the first turn's prompt stayed in the cache
  EXPECT_GT(turns[1].first, turns[0].first);
  EXPECT_EQ(turns[2].second, 0);                  // after /reset nothing is reused
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n') >= 3, true);
}

TEST_F(EngineCli, ChatWithoutTemplateIsAClearError) {
  RunResult r = run("chat -m " + *model_, write("hi.txt", "hi\n"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no chat template"), std::string::npos) << r.err;
}

TEST_F(EngineCli, BenchJsonParses) {
  RunResult r = run("bench -m " + *model_ + " -p 16 -n 4 -r 2 -t 2 --membw-mb 16 --profile --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_GT(j["pp"]["median_tok_s"].get<double>(), 0);
  EXPECT_GT(j["tg"]["median_tok_s"].get<double>(), 0);
  EXPECT_EQ(j["tg"]["samples_tok_s"].size(), 2u);
  EXPECT_GT(j["membw_gb_s"].get<double>(), 0);
  EXPECT_GT(j["roofline_tok_s"].get<double>(), 0);
  EXPECT_GT(j["prefill_gflop_s"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_bytes"].get<double>(), j["weight_bytes"].get<double>());
  EXPECT_TRUE(j["pp"]["profile"].is_array());
  // The table form runs too.
  RunResult t = run("bench -m " + *model_ + " -p 8 -n 2 -r 1 -t 1 --membw-mb 8");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("| tg2"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("decode roofline"), std::string::npos) << t.out;
}

TEST_F(EngineCli, BadInputsExitNonZero) {
  const std::string junk = write("junk.gguf", "this is not a gguf file at all");
  struct Case {
    std::string args;
    std::string message;  // part of stderr
  };
  const std::vector<Case> cases = {
      {"run -p hi", "model"},                                          // -m missing
      {"run -m " + path("missing.gguf") + " -p hi", "missing.gguf"},  // no such file
      {"run -m " + junk + " -p hi", "junk.gguf"},                     // not a GGUF
      {"run -m " + *model_ + " -p '" + std::string(kText) + "' --ctx 8", "context"},
      {"run -m " + *model_ + " -p hi --top-p 2", "top_p"},
      {"run -m " + *model_ + " -p hi --kv-type q4", "--kv-type"},
      {"run -m " + *model_ + " -f " + path("nofile.txt"), "nofile.txt"},
      {"perplexity -m " + *model_ + " -f " + write("short.txt", "too short") + " --ctx 64", "2 * --ctx"},
      {"bench -m " + junk, "junk.gguf"},
      {"chat -m " + junk, "junk.gguf"},
  };
  for (const auto& c : cases) {
    RunResult r = run(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.find("CHECK failed"), std::string::npos) << c.args;
  }
}

// KV-cache reuse between chat turns gives the logits of processing the conversation from scratch,
// both when the whole cache is a prefix of the new prompt and when it must be cut back (the
// recorded answer differs from the generated tokens).
TEST_F(EngineCli, ChatSessionReuseMatchesScratch) {
  auto model = load();
  const primer::Tokenizer& tok = model->tokenizer();
  primer::ThreadPool pool(2);
  primer::ContextOptions co;
  co.n_ctx = 256;
  co.n_batch = 16;  // several chunks per turn
  auto ctx = primer::Context::create(*model, pool, co);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  auto tmpl = primer::ChatTemplate::parse(slurp(kChatml));
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  primer::Logger logger(primer::LogLevel::kOff);
  primer::cli::Sequence seq(**ctx);
  primer::cli::ChatSession chat(seq, *tmpl, tok, "You are terse.", logger);
  primer::SamplingParams sp;
  sp.temperature = 0;
  auto sampler = primer::Sampler::from_params(sp);
  primer::cli::GenerateOptions go;
  go.n_predict = 8;
  go.eos_ids = tok.eos_ids();

  // Checks seq's logits against decoding the rendered conversation into an empty cache (which
  // leaves the cache in the state the session expects: the whole prompt).
  auto expect_scratch_equal = [&](const char* what) {
    const std::vector<float> reused(seq.last_logits().begin(), seq.last_logits().end());
    auto rendered = chat.render();
    ASSERT_TRUE(rendered.ok());
    const std::vector<int32_t> ids = primer::cli::tokenize_chat_prompt(tok, *rendered);
    EXPECT_EQ(seq.tokens(), ids) << what;
    seq.clear();
    ASSERT_TRUE(seq.append(ids).ok());
    ASSERT_EQ(seq.last_logits().size(), reused.size());
    float max_diff = 0;
    for (size_t i = 0; i < reused.size(); ++i) max_diff = std::max(max_diff, std::abs(reused[i] - seq.last_logits()[i]));
    EXPECT_LT(max_diff, 1e-4f) << what;
  };

  auto first = chat.add_user("Hello, who are you?");
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::vector<float> first_logits(seq.last_logits().begin(), seq.last_logits().end());
  auto answer = primer::cli::generate(seq, *sampler, tok, go, {});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  chat.add_assistant(answer->text);
  EXPECT_GT(seq.size(), first->n_prompt);  // the answer's tokens are in the cache

  // Turn 2: the cache (prompt + answer) is a prefix of the new prompt.
  auto second = chat.add_user("Tell me more.");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GE(second->n_reused, first->n_prompt - 1);
  EXPECT_LT(second->n_reused, second->n_prompt);
  float other_diff = 0;  // the comparison can fail: other positions give different logits
  for (size_t i = 0; i < first_logits.size(); ++i) {
    other_diff = std::max(other_diff, std::abs(first_logits[i] - seq.last_logits()[i]));
  }
  EXPECT_GT(other_diff, 1e-3f);
  expect_scratch_equal("turn 2");

  // Turn 3: generate, but record a different answer: the cache must be cut back.
  auto answer2 = primer::cli::generate(seq, *sampler, tok, go, {});
  ASSERT_TRUE(answer2.ok());
  const size_t cached = seq.size();
  chat.add_assistant("Something else entirely.");
  auto third = chat.add_user("Ok.");
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_LT(third->n_reused, cached);
  EXPECT_GE(third->n_reused, second->n_prompt - 1);
  expect_scratch_equal("turn 3");
}

}  // namespace
