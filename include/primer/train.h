#pragma once
// Training small decoder-only transformers on the CPU: the model's parameters, a hand-written
// forward and backward pass for every op of the llama / qwen2 / qwen3 architectures, AdamW, the
// learning-rate schedule, and export to a GGUF file the engine loads (`primer train`,
// `primer distill`; the loop, recipes and checkpoints are in train_loop.h).
//
// Layout (same names and shapes as the GGUF file, so export is a copy):
//   token_embd.weight [n_vocab x n_embd]   output_norm.weight [n_embd]
//   output.weight     [n_vocab x n_embd]   (absent when tied_embeddings)
//   blk.{il}.attn_norm [n_embd], attn_q [n_head*hd x n_embd], attn_k / attn_v [n_head_kv*hd x n_embd],
//   attn_output [n_embd x n_head*hd], ffn_norm [n_embd], ffn_gate / ffn_up [n_ff x n_embd],
//   ffn_down [n_embd x n_ff];  qwen2 adds attn_{q,k,v}.bias, qwen3 attn_{q,k}_norm [hd].
// Matrices are [n_rows x n_cols] = PyTorch nn.Linear's [out, in]; y = x W^T.
// RoPE follows the architecture as the engine runs it (llama: adjacent pairs, qwen: halves).
//
// The step: activations are [n_seq * seq_len, width] row-major float32; the large matrix products
// go to OpenBLAS (single-threaded calls partitioned over Primer's ThreadPool, so there is one set
// of threads), the elementwise work is fused and threaded, the output head and cross-entropy are
// fused over row chunks (the [tokens x n_vocab] logits never exist whole), and every buffer is
// allocated once per Trainer: a step allocates nothing. Results do not depend on the number of
// threads' scheduling (each output element is reduced in a fixed order), so a run is
// reproducible bit for bit on one machine with one thread count.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primer/error.h"
#include "primer/model.h"
#include "primer/model_factory.h"
#include "primer/thread_pool.h"

namespace primer::train {

struct ModelShape {
  std::string arch = "llama";  // llama | qwen2 | qwen3: the GGUF architecture written on export
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;       // 0: n_head
  int64_t head_dim = 0;        // 0: n_embd / n_head
  int64_t n_ff = 0;
  int64_t n_ctx = 256;         // longest sequence trained on (written as context_length)
  bool tied_embeddings = true;
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;

  // Fills the n_head_kv and head_dim defaults and checks every constraint (heads divide the
  // width, KV heads divide heads, even head_dim, sizes in range; n_ff has no default here); the
  // error names the field: "n_embd 100 is not a multiple of n_head 3".
  Status validate();
  // The engine's view of this shape (what Model::load reports for the exported file).
  ModelConfig engine_config() const;
  bool has_qkv_bias() const { return arch == "qwen2"; }
  bool has_qk_norm() const { return arch == "qwen3"; }
};

// One parameter tensor in TrainModel's flat buffers.
struct ParamInfo {
  std::string name;   // GGUF name, e.g. "blk.0.attn_q.weight"
  int64_t n_rows = 1;
  int64_t n_cols = 0;
  size_t offset = 0;  // in floats, into params() / grads()
  bool matrix = false;  // 2-D: weight decay applies (norms and biases are not decayed)
  size_t size() const { return static_cast<size_t>(n_rows * n_cols); }
};

class TrainModel {
 public:
  // Parameters laid out for `shape` (validated), all zero.
  static Result<TrainModel> create(ModelShape shape);
  // Weights of an engine-loadable GGUF (any tensor type, dequantized to float32); the shape is
  // read from the file. Fails for architectures or options the trainer does not model.
  static Result<TrainModel> from_gguf(const std::string& path);

  // GPT-2 style initialisation from `seed` (deterministic, platform-independent): matrices
  // N(0, init_std) (attn_output and ffn_down scaled by 1/sqrt(2 n_layer)), norm weights 1,
  // biases 0.
  void init(uint64_t seed, float init_std = 0.02f);

  const ModelShape& shape() const { return shape_; }
  const std::vector<ParamInfo>& tensors() const { return tensors_; }
  const ParamInfo* find(std::string_view name) const;  // null when absent
  size_t n_params() const { return params_.size(); }

  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<const float> grads() const { return grads_; }
  float* param(const ParamInfo& t) { return params_.data() + t.offset; }
  const float* param(const ParamInfo& t) const { return params_.data() + t.offset; }
  float* grad(const ParamInfo& t) { return grads_.data() + t.offset; }
  void zero_grads();

 private:
  ModelShape shape_;
  std::vector<ParamInfo> tensors_;
  std::vector<float> params_;
  std::vector<float> grads_;
};

// Writes `model` as a GGUF file that `primer run` / Model::load serve. Matrices in `type` (F32,
// F16 or BF16; quantize further with `primer quantize`), 1-D tensors F32. The tokenizer keys come
// from `tokenizer` (a tokenizer.json or a GGUF; required: a model without a tokenizer is no use
// to the engine), whose vocabulary size must equal the model's.
struct ExportOptions {
  std::string tokenizer;
  FileType type = FileType::kF32;
  std::string name;                  // general.name
  std::vector<std::pair<std::string, std::string>> extra_strings;  // e.g. primer.train.recipe
};
Status export_gguf(const TrainModel& model, const std::string& path, const ExportOptions& options);

// Teacher targets for distillation: for every position of a batch, the teacher's k most likely
// next tokens and their log-probabilities (temperature 1, natural log, descending).
inline constexpr int kMaxTeacherTopK = 256;
struct TeacherTopK {
  int k = 0;                           // 1 .. kMaxTeacherTopK
  const int32_t* ids = nullptr;        // [n_positions * k]
  const float* logprobs = nullptr;     // [n_positions * k]
};

// A batch of n_seq sequences of seq_len tokens. targets[i] is the token that should follow
// tokens[i], or -1 where no loss is taken (padding, masked prompt tokens).
struct BatchView {
  int64_t n_seq = 0;
  int64_t seq_len = 0;
  const int32_t* tokens = nullptr;     // [n_seq * seq_len]
  const int32_t* targets = nullptr;    // [n_seq * seq_len]
  const TeacherTopK* teacher = nullptr;  // optional (distillation)
};

enum class KlDirection {
  kForward,  // KL(teacher || student): mean-seeking; the usual logit distillation
  kReverse,  // KL(student || teacher): mode-seeking (MiniLLM); the teacher's tail beyond top-k
             // shares the remaining probability mass uniformly
  kMixed,    // (1 - reverse_share) * forward + reverse_share * reverse
};

// loss = (1 - distill_weight) * cross_entropy + distill_weight * temperature^2 * KL, where the KL
// compares the teacher's top-k distribution (renormalised over its k tokens for kForward) and the
// student's softmax at `temperature`. Without teacher targets the loss is the cross-entropy.
struct LossConfig {
  float distill_weight = 0.0f;
  float temperature = 1.0f;
  KlDirection kl = KlDirection::kForward;
  float reverse_share = 0.5f;
};

struct StepStats {
  double loss = 0;        // mean over target positions
  double cross_entropy = 0;
  double kl = 0;          // 0 without teacher targets
  int64_t n_targets = 0;  // positions with a target
};

// The forward / backward engine for one model and one batch geometry. All scratch memory is
// allocated in the constructor (huge pages requested for the large buffers).
class Trainer {
 public:
  Trainer(TrainModel& model, int64_t max_n_seq, int64_t seq_len, ThreadPool& pool);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Forward and backward: model.grads() += grad_scale * d(loss)/d(params). With gradient
  // accumulation over m micro-batches pass grad_scale = 1/m. batch.n_seq <= max_n_seq,
  // batch.seq_len == seq_len. Token ids out of range are a programmer error (checked).
  StepStats forward_backward(const BatchView& batch, const LossConfig& loss = {}, float grad_scale = 1.0f);
  // Forward only (validation).
  StepStats evaluate(const BatchView& batch, const LossConfig& loss = {});
  // Logits of every position, [n_seq * seq_len][n_vocab] (tests, export checks).
  void logits(const BatchView& batch, std::span<float> out);

  // Bytes of scratch memory this trainer holds.
  size_t scratch_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// AdamW (Loshchilov & Hutter) with PyTorch's semantics: bias-corrected moments, decoupled weight
// decay lr * weight_decay * p applied before the update, only to ParamInfo::matrix tensors.
struct AdamWConfig {
  float beta1 = 0.9f;
  float beta2 = 0.95f;
  float eps = 1e-8f;
  float weight_decay = 0.1f;
};

class AdamW {
 public:
  AdamW(const TrainModel& model, AdamWConfig config);
  // One update of every parameter from model.grads() (grads are left as they are).
  void step(TrainModel& model, float lr, ThreadPool& pool);

  const AdamWConfig& config() const { return config_; }
  int64_t steps_taken() const { return t_; }
  // Optimizer state, for checkpoints (m, v: one float per parameter, TrainModel's layout).
  std::span<float> m() { return m_; }
  std::span<float> v() { return v_; }
  void set_steps_taken(int64_t t) { t_ = t; }

 private:
  AdamWConfig config_;
  std::vector<uint8_t> decay_;  // per tensor
  std::vector<float> m_, v_;
  int64_t t_ = 0;
};

// The global L2 norm of model.grads() (accumulated in double, fixed order); when max_norm > 0
// and the norm exceeds it, scales every gradient by max_norm / (norm + 1e-6) (PyTorch's
// clip_grad_norm_). Returns the norm before
// clipping (NaN/inf when a gradient is not finite; nothing is scaled then).
double clip_grad_norm(TrainModel& model, float max_norm, ThreadPool& pool);

// The learning rate of optimizer step `step` (from 0): linear warm-up lr_max * (step + 1) /
// warmup_steps while step < warmup_steps (the first step is not wasted at lr 0), then cosine decay
//   progress = clamp((step - warmup_steps) / (total_steps - warmup_steps), 0, 1)
//   lr = lr_min + (lr_max - lr_min) * 0.5 * (1 + cos(pi * progress))
// reaching lr_min at total_steps.
float lr_at(int64_t step, int64_t warmup_steps, int64_t total_steps, float lr_max, float lr_min);

}  // namespace primer::train
