// The quant-format traits table: one row per supported type. Adding a format = adding a row
// here plus its reference kernels in ref/ and a test case in tests/kernels/.
#include <array>

#include "kernels/blocks.h"
#include "kernels/ref/ref.h"
#include "primer/quant.h"

namespace primer {
namespace {

namespace r = kern::ref;
using QT = QuantType;

constexpr std::array kTable = {
    QuantTypeTraits{QT::kF32, "f32", 1, sizeof(float), false, r::to_float_f32, r::from_float_f32,
                    r::vec_dot_f32, QT::kF32},
    QuantTypeTraits{QT::kF16, "f16", 1, sizeof(kern::Fp16), false, r::to_float_f16,
                    r::from_float_f16, r::vec_dot_f16, QT::kF16},
    QuantTypeTraits{QT::kBF16, "bf16", 1, sizeof(kern::Bf16), false, r::to_float_bf16,
                    r::from_float_bf16, r::vec_dot_bf16, QT::kBF16},
    QuantTypeTraits{QT::kQ4_0, "q4_0", kern::kQK4_0, sizeof(kern::BlockQ4_0), true,
                    r::to_float_q4_0, r::from_float_q4_0, r::vec_dot_q4_0_q8_0, QT::kQ8_0},
    QuantTypeTraits{QT::kQ4_1, "q4_1", kern::kQK4_1, sizeof(kern::BlockQ4_1), true,
                    r::to_float_q4_1, r::from_float_q4_1, r::vec_dot_q4_1_q8_1, QT::kQ8_1},
    QuantTypeTraits{QT::kQ5_0, "q5_0", kern::kQK5_0, sizeof(kern::BlockQ5_0), true,
                    r::to_float_q5_0, r::from_float_q5_0, r::vec_dot_q5_0_q8_0, QT::kQ8_0},
    // Internal (quant.h): Q5_0 repacked at load; rows only, never in files.
    QuantTypeTraits{QT::kQ5_0R, "q5_0r", kern::kQK5_0, sizeof(kern::BlockQ5_0), true,
                    r::to_float_q5_0r, r::from_float_q5_0r, r::vec_dot_q5_0r_q8_0, QT::kQ8_0},
    QuantTypeTraits{QT::kQ5_1, "q5_1", kern::kQK5_1, sizeof(kern::BlockQ5_1), true,
                    r::to_float_q5_1, r::from_float_q5_1, r::vec_dot_q5_1_q8_1, QT::kQ8_1},
    QuantTypeTraits{QT::kQ8_0, "q8_0", kern::kQK8_0, sizeof(kern::BlockQ8_0), true,
                    r::to_float_q8_0, r::from_float_q8_0, r::vec_dot_q8_0_q8_0, QT::kQ8_0},
    QuantTypeTraits{QT::kQ8_1, "q8_1", kern::kQK8_1, sizeof(kern::BlockQ8_1), true,
                    r::to_float_q8_1, r::from_float_q8_1, nullptr, QT::kQ8_1},
    QuantTypeTraits{QT::kQ4_K, "q4_K", kern::kQK_K, sizeof(kern::BlockQ4_K), true,
                    r::to_float_q4_k, r::from_float_q4_k, r::vec_dot_q4_k_q8_k, QT::kQ8_K},
    QuantTypeTraits{QT::kQ5_K, "q5_K", kern::kQK_K, sizeof(kern::BlockQ5_K), true,
                    r::to_float_q5_k, r::from_float_q5_k, r::vec_dot_q5_k_q8_k, QT::kQ8_K},
    QuantTypeTraits{QT::kQ6_K, "q6_K", kern::kQK_K, sizeof(kern::BlockQ6_K), true,
                    r::to_float_q6_k, r::from_float_q6_k, r::vec_dot_q6_k_q8_k, QT::kQ8_K},
    QuantTypeTraits{QT::kQ8_K, "q8_K", kern::kQK_K, sizeof(kern::BlockQ8_K), true,
                    r::to_float_q8_k, r::from_float_q8_k, nullptr, QT::kQ8_K},
};

}  // namespace

const QuantTypeTraits* quant_type_traits(QuantType type) {
  for (const QuantTypeTraits& row : kTable) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

const QuantTypeTraits* quant_type_traits(uint32_t type_id) {
  return quant_type_traits(static_cast<QuantType>(type_id));
}

}  // namespace primer
