// A Tokenizer is shared by many threads: concurrent encodes (sharing the BPE word cache) and
// decodes give the single-threaded results.
#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace primer {
namespace {

TEST(Threads, ConcurrentEncodeDecodeMatchSerial) {
  const Tokenizer* tok = testing::npm_tokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i) {
    texts.push_back("Thread " + std::to_string(i) + ": the quick brown fox " +
                    std::string(static_cast<size_t>(i % 7), ' ') + "jumps over 你好 " +
                    std::to_string(i * 7919) + " lazy dogs<|im_end|>");
  }
  std::vector<std::vector<TokenId>> serial;
  for (const auto& t : texts) serial.push_back(tok->encode(t));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int rep = 0; rep < 20; ++rep) {
        for (size_t i = 0; i < texts.size(); ++i) {
          size_t k = (i * 13 + static_cast<size_t>(w) * 7 + static_cast<size_t>(rep)) % texts.size();
          if (tok->encode(texts[k]) != serial[k]) ++mismatches[w];
          if (tok->decode(serial[k]) != texts[k]) ++mismatches[w];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < 4; ++w) EXPECT_EQ(mismatches[w], 0) << "worker " << w;
}

}  // namespace
}  // namespace primer
