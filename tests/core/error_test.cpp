#include "primer/error.h"

#include <gtest/gtest.h>

#include "primer/log.h"
#include "primer/mapped_file.h"

namespace primer {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error("[parse] value %d is not positive", v);
  return v;
}

Result<int> twice(int v) {
  PRIMER_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

TEST(Result, CarriesValueOrMessage) {
  auto ok = twice(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 8);
  auto bad = twice(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "[parse] value -1 is not positive");
  EXPECT_EQ(bad.error().wrap("[load] f").message, "[load] f: [parse] value -1 is not positive");
}

TEST(MappedFile, MissingFileNamesPath) {
  auto f = MappedFile::open("/nonexistent/primer-file");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("/nonexistent/primer-file"), std::string::npos);
}

TEST(Logger, FiltersByLevel) {
  char buf[256] = {};
  std::FILE* mem = fmemopen(buf, sizeof buf, "w");
  Logger log(LogLevel::kWarn, mem);
  log.info("hidden");
  log.warn("shown");
  std::fclose(mem);
  EXPECT_STREQ(buf, "[W] shown\n");
  LogLevel l;
  EXPECT_TRUE(parse_log_level("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_FALSE(parse_log_level("loud", &l));
}

}  // namespace
}  // namespace primer
