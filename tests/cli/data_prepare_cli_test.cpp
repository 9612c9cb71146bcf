// `primer data prepare` end to end: shards and summary, argument errors (exit 2), data errors
// with file:line (exit 1).
#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "primer/train_data.h"
#include "train/data_test_util.h"

namespace primer::testing {
namespace {

TEST(DataPrepareCli, WritesShardsAndSummary) {
  TempDir dir;
  const std::string tok = write_tiny_tokenizer(dir.path());
  std::string text;
  for (int i = 0; i < 50; ++i) text += "paragraph " + std::to_string(i) + " of the story\n\n";
  write_file(dir.file("a.txt"), text);
  write_file(dir.file("b.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, "
                                  "{\"role\": \"assistant\", \"content\": \"hello there\"}]}\n");
  const std::string out = dir.file("out");
  RunResult r = run_primer("data prepare --tokenizer '" + tok + "' --out '" + out +
                               "' --split-paragraphs --val-fraction 0.1 --seed 3 -t 2 '" + dir.file("a.txt") + "' '" +
                               dir.file("b.jsonl") + "'",
                           dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("46 docs"), std::string::npos) << r.out;  // 51 docs, 5 held out
  EXPECT_NE(r.out.find("5 docs"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("MB/s"), std::string::npos) << r.err;  // progress
  auto train = train::Shard::open(out + "/train.bin");
  ASSERT_TRUE(train.ok()) << train.error().message;
  EXPECT_TRUE(train->has_mask());
  EXPECT_EQ(train->n_docs(), 46u);
  const auto meta = nlohmann::json::parse(read_all(out + "/meta.json"));
  EXPECT_EQ(meta["inputs"][1]["format"], "chat");
  EXPECT_EQ(meta["seed"], 3);
}

TEST(DataPrepareCli, BadArgumentsAndBadRows) {
  TempDir dir;
  const std::string tok = write_tiny_tokenizer(dir.path());
  write_file(dir.file("a.jsonl"), "{\"text\": \"fine\"}\n{\"text\": 5}\n{\"text\": \"also fine\"}\n");
  const std::string base = "data prepare --tokenizer '" + tok + "' --out '" + dir.file("out") + "' ";
  RunResult r = run_primer(base + "--format xml '" + dir.file("a.jsonl") + "'", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("primer data prepare: --format"), std::string::npos) << r.err;
  r = run_primer(base + "--val-fraction 1.5 '" + dir.file("a.jsonl") + "'", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  r = run_primer(base + "--val-fraction 0 '" + dir.file("a.jsonl") + "'", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir.file("a.jsonl") + ":2:"), std::string::npos) << r.err;
  r = run_primer(base + "-q --val-fraction 0 --skip-bad-rows '" + dir.file("a.jsonl") + "'", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 bad rows skipped"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("MB/s"), std::string::npos) << r.err;  // -q
  r = run_primer("data prepare --tokenizer '" + dir.file("missing.json") + "' --out '" + dir.file("o2") + "' '" +
                     dir.file("a.jsonl") + "'",
                 dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace primer::testing
