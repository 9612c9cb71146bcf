// The scalar level: every type's ref/ kernels (the truth), gemm_tile as a loop over vec_dot,
// and the ref/ float kernels.
#include "kernels/gemm_generic.h"
#include "kernels/levels.h"
#include "kernels/ref/float_ops.h"
#include "kernels/ref/ref.h"
#include "primer/error.h"

namespace primer::kern {
namespace {

template <VecDotFn VecDot>
void set_type(KernelSet& set, QuantType type) {
  const QuantTypeTraits* traits = quant_type_traits(type);
  PRIMER_CHECK(traits != nullptr);
  TypeKernels& k = set.types[KernelSet::slot(type)];
  k.supported = true;
  k.vec_dot = VecDot;
  k.gemm_tile = VecDot != nullptr ? &gemm_generic<VecDot> : nullptr;
  k.from_float = traits->from_float_ref;
  k.to_float = traits->to_float;
  k.tile_rows = 1;
  k.tile_cols = 1;
}

}  // namespace

namespace {

// Peak probes of the scalar level: 8 independent accumulator chains the compiler may keep in
// registers (what plain C++ gets from this CPU).
double probe_fma_scalar(int64_t n_iter) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const float m = 0.999f, a = 1e-3f;
  for (int64_t i = 0; i < n_iter; ++i) {
    for (float& x : acc) x = x * m + a;
  }
  volatile float sink = acc[0] + acc[7];
  (void)sink;
  return 2.0 * 8.0 * static_cast<double>(n_iter);
}

double probe_int8_scalar(int64_t n_iter) {
  int32_t acc[8] = {};
  int8_t w = 3, x = -2;
  for (int64_t i = 0; i < n_iter; ++i) {
    for (int32_t& v : acc) v += w * x;
    w = static_cast<int8_t>(w ^ 1);
  }
  volatile int32_t sink = acc[0] + acc[7];
  (void)sink;
  return 2.0 * 8.0 * static_cast<double>(n_iter);
}

}  // namespace

void fill_scalar(KernelSet& set) {
  set.level = CpuLevel::kScalar;
  using QT = QuantType;
  set_type<ref::vec_dot_f32>(set, QT::kF32);
  set_type<ref::vec_dot_f16>(set, QT::kF16);
  set_type<ref::vec_dot_bf16>(set, QT::kBF16);
  set_type<ref::vec_dot_q4_0_q8_0>(set, QT::kQ4_0);
  set_type<ref::vec_dot_q4_1_q8_1>(set, QT::kQ4_1);
  set_type<ref::vec_dot_q5_0_q8_0>(set, QT::kQ5_0);
  set_type<ref::vec_dot_q5_0r_q8_0>(set, QT::kQ5_0R);
  set_type<ref::vec_dot_q5_1_q8_1>(set, QT::kQ5_1);
  set_type<ref::vec_dot_q8_0_q8_0>(set, QT::kQ8_0);
  set_type<nullptr>(set, QT::kQ8_1);
  set_type<ref::vec_dot_q4_k_q8_k>(set, QT::kQ4_K);
  set_type<ref::vec_dot_q5_k_q8_k>(set, QT::kQ5_K);
  set_type<ref::vec_dot_q6_k_q8_k>(set, QT::kQ6_K);
  set_type<nullptr>(set, QT::kQ8_K);

  set.peak.fma_f32 = probe_fma_scalar;
  set.peak.dot_int8 = probe_int8_scalar;
  FloatKernels& f = set.f;
  f.dot_f32 = ref::dot_f32;
  f.dot_f16_f32 = ref::dot_f16_f32;
  f.axpy_f32 = ref::axpy_f32;
  f.axpy_f16 = ref::axpy_f16;
  f.f32_to_f16 = ref::f32_to_f16;
  f.f16_to_f32 = ref::f16_to_f32;
  f.rms_norm = ref::rms_norm;
  f.silu_mul = ref::silu_mul;
  f.softmax = ref::softmax;
}

}  // namespace primer::kern
