// A recipe against its data: shards, tokenizer, vocabulary, shape, windows; and the recipe hash
// checkpoints carry.
#include <cstring>
#include <filesystem>

#include "primer/train_data.h"
#include "primer/train_loop.h"
#include "train/train_loop_internal.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;

Result<std::unique_ptr<Shard>> open_shard(const std::string& key, const std::string& path, int64_t seq_len,
                                          int64_t min_windows) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error{"[recipe] " + key + ": " + path + " does not exist"};
  auto shard = Shard::open(path);
  if (!shard.ok()) return shard.error().wrap("[recipe] " + key);
  auto out = std::make_unique<Shard>(std::move(shard).value());
  if (out->n_tokens() == 0) return Error{"[recipe] " + key + ": " + path + " is empty (no tokens)"};
  const int64_t n_windows = out->n_tokens() > static_cast<uint64_t>(seq_len)
                                ? static_cast<int64_t>((out->n_tokens() - 1) / static_cast<uint64_t>(seq_len))
                                : 0;
  if (n_windows < min_windows) {
    return Error{"[recipe] " + key + ": " + path + " has " + std::to_string(out->n_tokens()) + " tokens, " +
                 std::to_string(n_windows) + " windows of seq_len + 1 = " + std::to_string(seq_len + 1) +
                 " tokens; " + std::to_string(min_windows) + " needed (train.batch_size for data.train)"};
  }
  return out;
}

}  // namespace

Result<RecipeData> open_recipe_data(const Recipe& r, const ModelShape* model_shape) {
  RecipeData d;
  PRIMER_ASSIGN_OR_RETURN(d.train, open_shard("data.train", r.train_data, r.seq_len, r.batch_size));
  if (!r.val_data.empty()) {
    PRIMER_ASSIGN_OR_RETURN(d.val, open_shard("data.val", r.val_data, r.seq_len, 1));
  }
  if (d.val && d.val->n_vocab() != d.train->n_vocab()) {
    return make_error("[recipe] data.val has n_vocab %llu but data.train has %llu (prepared with different tokenizers)",
                      static_cast<unsigned long long>(d.val->n_vocab()),
                      static_cast<unsigned long long>(d.train->n_vocab()));
  }
  if (d.val && d.val->tokenizer_hash() != d.train->tokenizer_hash()) {
    return Error{"[recipe] data.val and data.train were prepared with different tokenizers (tokenizer_hash differs)"};
  }
  d.shape = model_shape ? *model_shape : r.shape;
  if (d.shape.n_vocab == 0) d.shape.n_vocab = static_cast<int64_t>(d.train->n_vocab());
  Status s = d.shape.validate();
  if (!s.ok()) return s.error().wrap("[recipe] model");
  if (static_cast<uint64_t>(d.shape.n_vocab) < d.train->n_vocab()) {
    return make_error("[recipe] model.n_vocab %lld is smaller than the data's vocabulary (%llu tokens)",
                      static_cast<long long>(d.shape.n_vocab), static_cast<unsigned long long>(d.train->n_vocab()));
  }
  if (r.seq_len > d.shape.n_ctx) {
    return make_error("[recipe] train.seq_len %lld is longer than the model's context n_ctx %lld",
                      static_cast<long long>(r.seq_len), static_cast<long long>(d.shape.n_ctx));
  }
  if (!r.tokenizer.empty()) {
    std::error_code ec;
    if (!fs::exists(r.tokenizer, ec)) return Error{"[recipe] data.tokenizer: " + r.tokenizer + " does not exist"};
    auto tok = load_tokenizer_any(r.tokenizer);
    if (!tok.ok()) return tok.error().wrap("[recipe] data.tokenizer");
    d.tokenizer = std::move(tok).value();
    const uint64_t n_tok = d.tokenizer->vocab_size();
    if (n_tok != static_cast<uint64_t>(d.shape.n_vocab)) {
      return make_error("[recipe] data.tokenizer %s has %llu tokens but the model has n_vocab %lld",
                        r.tokenizer.c_str(), static_cast<unsigned long long>(n_tok),
                        static_cast<long long>(d.shape.n_vocab));
    }
    const uint64_t h = tokenizer_vocab_hash(*d.tokenizer);
    if (d.train->tokenizer_hash() != 0 && d.train->tokenizer_hash() != h) {
      return make_error("[recipe] data.train %s was prepared with another tokenizer than data.tokenizer %s "
                        "(vocabulary hash %016llx vs %016llx)",
                        r.train_data.c_str(), r.tokenizer.c_str(),
                        static_cast<unsigned long long>(d.train->tokenizer_hash()), static_cast<unsigned long long>(h));
    }
  }
  return d;
}

Status Recipe::validate_against_data() const {
  if (!init_from.empty()) {
    auto model = TrainModel::from_gguf(init_from);
    if (!model.ok()) return model.error().wrap("[recipe] model.init_from");
    auto d = open_recipe_data(*this, &model->shape());
    if (!d.ok()) return d.error();
    return ok_status();
  }
  auto d = open_recipe_data(*this, nullptr);
  if (!d.ok()) return d.error();
  return ok_status();
}

uint64_t recipe_hash(const Recipe& r) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&h](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  };
  auto str = [&](const std::string& s) {
    const uint64_t n = s.size();
    add(&n, sizeof(n));
    add(s.data(), s.size());
  };
  auto i64 = [&](int64_t v) { add(&v, sizeof(v)); };
  auto f32 = [&](float v) { add(&v, sizeof(v)); };
  const ModelShape& m = r.shape;
  str(m.arch);
  for (int64_t v : {m.n_vocab, m.n_embd, m.n_layer, m.n_head, m.n_head_kv, m.head_dim, m.n_ff, m.n_ctx}) i64(v);
  i64(m.tied_embeddings);
  f32(m.rope_theta), f32(m.rms_eps), f32(r.init_std);
  str(r.init_from);
  str(fs::path(r.train_data).filename().string());  // the folder may move between runs
  for (int64_t v : {r.batch_size, r.grad_accum, r.seq_len, r.warmup_steps, static_cast<int64_t>(r.seed)}) i64(v);
  f32(r.lr), f32(r.min_lr), f32(r.grad_clip);
  f32(r.adamw.beta1), f32(r.adamw.beta2), f32(r.adamw.eps), f32(r.adamw.weight_decay);
  f32(r.loss.distill_weight), f32(r.loss.temperature), f32(r.loss.reverse_share);
  i64(static_cast<int64_t>(r.loss.kl));
  i64(r.teacher_top_k);
  return h;
}

}  // namespace primer::train
