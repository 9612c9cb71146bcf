#include "primer/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace primer {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (size_t n : {0u, 1u, 7u, 1000u}) {
      for (size_t grain : {1u, 3u, 64u}) {
        std::vector<std::atomic<int>> hits(n);
        pool.parallel_for(n, grain, [&](size_t b, size_t e, int t) {
          ASSERT_GE(t, 0);
          ASSERT_LT(t, pool.size());
          for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
        });
        for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
      }
    }
  }
}

TEST(ThreadPool, ReusableAcrossManyCalls) {
  ThreadPool pool(3);
  std::atomic<long> sum{0};
  for (int rep = 0; rep < 200; ++rep) {
    pool.parallel_for(100, 7, [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) sum.fetch_add(static_cast<long>(i));
    });
  }
  EXPECT_EQ(sum.load(), 200L * 4950L);
}

TEST(ThreadPool, TwoPoolsAreIndependent) {
  ThreadPool a(2), b(2);
  std::atomic<int> n{0};
  a.parallel_for(10, 1, [&](size_t, size_t, int) {
    b.parallel_for(10, 1, [&](size_t bb, size_t be, int) { n.fetch_add(static_cast<int>(be - bb)); });
  });
  EXPECT_EQ(n.load(), 100);
}

}  // namespace
}  // namespace primer
