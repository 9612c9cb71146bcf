// Context: validation, chunking and KV bookkeeping around the forward pass (forward.cpp).
#include <algorithm>
#include <new>

#include "model/context_impl.h"
#include "primer/kernels.h"

namespace primer {

void Batch::add(int32_t token, int32_t seq, int64_t pos, bool want_logits) {
  tokens_.push_back(token);
  seqs_.push_back(seq);
  pos_.push_back(pos);
  logits_.push_back(want_logits ? 1 : 0);
}

void Batch::clear() {
  tokens_.clear();
  seqs_.clear();
  pos_.clear();
  logits_.clear();
}

double OpProfile::total_seconds() const {
  double s = 0;
  for (const Entry& e : entries) s += e.seconds;
  return s;
}

Context::Context(const Model& model, ThreadPool& pool) : model_(model), pool_(pool) {}
Context::~Context() = default;

Result<std::unique_ptr<Context>> Context::create(const Model& model, ThreadPool& pool,
                                                 const ContextOptions& options) {
  const ModelConfig& c = model.config();
  if (model.weights().layers.empty()) {
    return make_error("[context] model '%s' has no weights (loaded vocab-only?)", c.name.c_str());
  }
  int64_t n_ctx = options.n_ctx;
  if (n_ctx == 0) n_ctx = std::min<int64_t>(c.n_ctx_train > 0 ? c.n_ctx_train : 4096, 4096);
  if (n_ctx < 1 || n_ctx > (int64_t{1} << 24)) {
    return make_error("[context] context size %lld out of range [1, 16777216]",
                      static_cast<long long>(n_ctx));
  }
  if (options.n_seq < 1 || options.n_seq > 4096) {
    return make_error("[context] number of sequences %d out of range [1, 4096]", options.n_seq);
  }
  if (options.n_batch < 1 || options.n_batch > 65536) {
    return make_error("[context] batch size %lld out of range [1, 65536]",
                      static_cast<long long>(options.n_batch));
  }
  std::unique_ptr<Context> ctx(new Context(model, pool));
  ctx->n_ctx_ = n_ctx;
  ctx->n_seq_ = options.n_seq;
  ctx->n_batch_ = options.n_batch;
  ctx->kv_type_ = options.kv_type;
  ctx->impl_ = std::make_unique<Impl>();
  Impl& m = *ctx->impl_;

  const int64_t kv_dim = c.n_head_kv * c.head_dim;
  const int64_t q_dim = c.n_head * c.head_dim;
  PRIMER_ASSIGN_OR_RETURN(m.kv, model::KvCache::create(c.n_layer, options.n_seq, n_ctx, kv_dim,
                                                      options.kv_type));
  m.seq_len.assign(static_cast<size_t>(options.n_seq), 0);
  m.next_pos.assign(static_cast<size_t>(options.n_seq), 0);
  const int64_t nb = options.n_batch;
  try {
    const int64_t n_in_max = std::max({c.n_embd, c.n_ff, q_dim});
    // Widest runs: n_batch rows of n_embd / q_dim, or one FFN chunk of n_ff (ffn_down's input).
    const int64_t max_elements = std::max(nb * std::max(c.n_embd, q_dim), std::min(nb, kFfnChunk) * c.n_ff);
    m.matmul.reserve(model.weights(), nb, n_in_max, max_elements, pool.size());
    m.rope.init(c.rope, nb);
    m.x.assign(static_cast<size_t>(nb * c.n_embd), 0.0f);
    m.xn.assign(m.x.size(), 0.0f);
    m.o.assign(m.x.size(), 0.0f);
    m.q.assign(static_cast<size_t>(nb * q_dim), 0.0f);
    m.att.assign(m.q.size(), 0.0f);
    m.k.assign(static_cast<size_t>(nb * kv_dim), 0.0f);
    m.v.assign(m.k.size(), 0.0f);
    m.gate.assign(static_cast<size_t>(std::min(nb, kFfnChunk) * c.n_ff), 0.0f);
    m.up.assign(m.gate.size(), 0.0f);
    m.pos.assign(static_cast<size_t>(nb), 0);
    m.seq.assign(static_cast<size_t>(nb), 0);
    m.out_rows.assign(static_cast<size_t>(nb), 0);
    const size_t group = static_cast<size_t>(c.n_head / c.n_head_kv);
    m.scores.assign(static_cast<size_t>(pool.size()) * 2 * static_cast<size_t>(n_ctx) * group, 0.0f);
    m.q16.assign(static_cast<size_t>(pool.size()) * group * static_cast<size_t>(c.head_dim), 0);
    m.logits.reserve(static_cast<size_t>(options.n_seq * c.n_vocab));
  } catch (const std::bad_alloc&) {
    return make_error("[context] cannot allocate scratch buffers for batch size %lld",
                      static_cast<long long>(nb));
  }
  static const char* const kOpNames[] = {"embed",   "norm",     "qkv",      "rope+kv",
                                         "attention", "attn_out", "ffn_up_gate", "ffn_act",
                                         "ffn_down", "output"};
  static_assert(sizeof(kOpNames) / sizeof(kOpNames[0]) == static_cast<size_t>(Op::kCount));
  for (const char* name : kOpNames) m.profile.entries.push_back({name, 0.0, 0});
  return ctx;
}

Status Context::decode(const Batch& batch) {
  Impl& m = *impl_;
  if (batch.empty()) return make_error("[decode] empty batch");
  const int64_t n_vocab = model_.config().n_vocab;
  std::copy(m.seq_len.begin(), m.seq_len.end(), m.next_pos.begin());
  int64_t n_logit_rows = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const int32_t tok = batch.token(i), s = batch.seq(i);
    if (tok < 0 || tok >= n_vocab) {
      return make_error("[decode] batch token %zu: id %d is outside the vocabulary [0, %lld)", i,
                        tok, static_cast<long long>(n_vocab));
    }
    if (s < 0 || s >= n_seq_) {
      return make_error("[decode] batch token %zu: sequence %d is outside [0, %d)", i, s, n_seq_);
    }
    int64_t& next = m.next_pos[static_cast<size_t>(s)];
    if (batch.pos(i) != next) {
      return make_error("[decode] batch token %zu: position %lld does not continue sequence %d "
                        "(expected %lld)",
                        i, static_cast<long long>(batch.pos(i)), s, static_cast<long long>(next));
    }
    if (next >= n_ctx_) {
      return make_error("[decode] context full: sequence %d needs position %lld but holds at "
                        "most %lld (raise --ctx or shorten the prompt)",
                        s, static_cast<long long>(next), static_cast<long long>(n_ctx_));
    }
    ++next;
    if (batch.want_logits(i)) ++n_logit_rows;
  }

  // Validated: from here on nothing can fail.
  m.logit_row.assign(batch.size(), -1);
  int64_t row = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch.want_logits(i)) m.logit_row[i] = row++;
  }
  m.logits.resize(static_cast<size_t>(n_logit_rows * n_vocab));

  int64_t first_row = 0;
  for (size_t begin = 0; begin < batch.size(); begin += static_cast<size_t>(n_batch_)) {
    const size_t end = std::min(batch.size(), begin + static_cast<size_t>(n_batch_));
    m.forward(model_, pool_, batch, begin, end, first_row);
    for (size_t i = begin; i < end; ++i) first_row += batch.want_logits(i) ? 1 : 0;
  }
  std::copy(m.next_pos.begin(), m.next_pos.end(), m.seq_len.begin());
  return ok_status();
}

std::span<const float> Context::logits(size_t batch_index) const {
  const Impl& m = *impl_;
  PRIMER_CHECK(batch_index < m.logit_row.size() && m.logit_row[batch_index] >= 0);
  const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
  return {m.logits.data() + static_cast<size_t>(m.logit_row[batch_index]) * n_vocab, n_vocab};
}

uint64_t Context::kv_bytes() const { return impl_->kv.bytes(); }

int64_t Context::seq_len(int seq) const {
  PRIMER_CHECK(seq >= 0 && seq < n_seq_);
  return impl_->seq_len[static_cast<size_t>(seq)];
}

void Context::seq_truncate(int seq, int64_t n_keep) {
  PRIMER_CHECK(seq >= 0 && seq < n_seq_);
  int64_t& len = impl_->seq_len[static_cast<size_t>(seq)];
  PRIMER_CHECK(n_keep >= 0 && n_keep <= len);
  len = n_keep;
}

void Context::seq_copy(int src, int dst, int64_t n) {
  PRIMER_CHECK(src >= 0 && src < n_seq_ && dst >= 0 && dst < n_seq_);
  const int64_t len = impl_->seq_len[static_cast<size_t>(src)];
  if (n < 0) n = len;
  PRIMER_CHECK(n <= len);
  impl_->kv.copy_seq(src, dst, n);
  impl_->seq_len[static_cast<size_t>(dst)] = n;
}

const OpProfile& Context::profile() const { return impl_->profile; }
void Context::set_profiling(bool on) { impl_->profiling = on; }
void Context::reset_profile() {
  for (OpProfile::Entry& e : impl_->profile.entries) {
    e.seconds = 0;
    e.calls = 0;
  }
}

}  // namespace primer
