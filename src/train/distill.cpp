// Logit distillation (`primer distill --teacher T.gguf RECIPE`): the vocabulary check, the
// teacher cache, then the recipe's training run with the teacher's top-k targets.
#include <cinttypes>
#include <filesystem>

#include "primer/distill.h"

namespace primer::train {
namespace {

std::string describe_hash(uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%016" PRIx64, h);
  return buf;
}

}  // namespace

Status check_teacher_vocab(const Model& teacher, const Shard& shard, const std::string& recipe_tokenizer) {
  const Tokenizer& tt = teacher.tokenizer();
  const uint64_t teacher_hash = tokenizer_vocab_hash(tt);
  const std::string teacher_desc = "the teacher's tokenizer has " + std::to_string(tt.vocab_size()) +
                                   " tokens (vocab hash " + describe_hash(teacher_hash) + ")";
  if (shard.tokenizer_hash() != teacher_hash) {
    return Error{"[distill] vocabulary mismatch: " + teacher_desc + ", but shard '" + shard.path() +
                 "' was tokenized with a " + std::to_string(shard.n_vocab()) + "-token vocabulary (vocab hash " +
                 describe_hash(shard.tokenizer_hash()) +
                 "); teacher and student must share one vocabulary (prepare the data with the teacher's "
                 "tokenizer)"};
  }
  if (!recipe_tokenizer.empty()) {
    auto tok = load_tokenizer_any(recipe_tokenizer);
    if (!tok.ok()) return tok.error().wrap("[distill] recipe tokenizer '" + recipe_tokenizer + "'");
    const uint64_t h = tokenizer_vocab_hash(**tok);
    if (h != teacher_hash) {
      return Error{"[distill] vocabulary mismatch: " + teacher_desc + ", but the recipe's tokenizer '" +
                   recipe_tokenizer + "' has " + std::to_string((*tok)->vocab_size()) + " tokens (vocab hash " +
                   describe_hash(h) + "); teacher and student must share one vocabulary"};
    }
  }
  return ok_status();
}

Result<DistillReport> run_logit_distillation(const Recipe& recipe, const LogitDistillOptions& options,
                                             Logger& logger) {
  if (options.teacher.empty()) return Error{"[distill] --teacher: a teacher GGUF is required"};
  if (recipe.teacher_top_k < 1 || recipe.teacher_top_k > kMaxTeacherTopK) {
    return make_error("[distill] distill.top_k %d: the trainer takes 1..%d", recipe.teacher_top_k, kMaxTeacherTopK);
  }
  if (recipe.loss.distill_weight <= 0.0f) {
    logger.log(LogLevel::kWarn, "distill.weight is 0: the student trains on cross-entropy only (teacher unused)");
  }
  // Fail on a bad recipe before the (possibly long) teacher pass.
  PRIMER_TRY(recipe.validate_against_data());

  TeacherCacheOptions co;
  co.teacher_path = options.teacher;
  co.shard_path = recipe.train_data;
  co.cache_path = options.cache_path.empty()
                      ? (std::filesystem::path(recipe.out_dir) / "teacher-topk.bin").string()
                      : options.cache_path;
  co.seq_len = recipe.seq_len;
  co.k = recipe.teacher_top_k;
  co.n_vocab = recipe.shape.n_vocab;
  co.recipe_tokenizer = recipe.tokenizer;
  co.threads = recipe.threads;
  co.rebuild = options.rebuild_cache;

  DistillReport report;
  PRIMER_ASSIGN_OR_RETURN(report.cache, ensure_teacher_cache(co, logger));
  TeacherCache cache;
  {
    ThreadPool pool(recipe.threads);
    PRIMER_ASSIGN_OR_RETURN(cache, TeacherCache::open(co.cache_path, pool));
  }
  logger.log(LogLevel::kInfo, "teacher cache: %s, %lld windows, k %d, %.1f bytes/token (%s)", co.cache_path.c_str(),
             static_cast<long long>(cache.n_windows()), cache.k(), cache.bytes_per_token(),
             report.cache.reused ? "reused" : "built");

  TrainRunOptions ro;
  ro.resume = options.resume;
  ro.teacher = cache.targets();
  ro.on_step = options.on_step;
  PRIMER_ASSIGN_OR_RETURN(report.train, run_training(recipe, ro, logger));
  return report;
}

}  // namespace primer::train
