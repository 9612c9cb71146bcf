// The one dispatch point: CPU feature detection (cpuid + xgetbv) and the per-level KernelSets,
// built once on first use and immutable afterwards.
#include <cstdlib>
#include <cstring>

#include "kernels/levels.h"
#include "primer/error.h"
#include "primer/kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PRIMER_KERNELS_X86 1
#else
#define PRIMER_KERNELS_X86 0
#endif

namespace primer {
namespace {

#if PRIMER_KERNELS_X86
uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect_features() {
  CpuFeatures f;
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(1, 0, eax, ebx, ecx, edx);
  const bool osxsave = (ecx >> 27) & 1;
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_avx = (xcr0 & 0x6) == 0x6;         // XMM + YMM state
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;    // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_avx) return f;
  const bool fma = (ecx >> 12) & 1, f16c = (ecx >> 29) & 1;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx2 = (ebx >> 5) & 1;
  f.fma = fma;
  f.f16c = f16c;
  if (os_avx512) {
    f.avx512f = (ebx >> 16) & 1;
    f.avx512dq = (ebx >> 17) & 1;
    f.avx512bw = (ebx >> 30) & 1;
    f.avx512vl = (ebx >> 31) & 1;
    f.avx512vnni = (ecx >> 11) & 1;
  }
  const unsigned max_sub = eax;
  if (max_sub >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    f.avx_vnni = (eax >> 4) & 1;
  }
  return f;
}
#else
CpuFeatures detect_features() { return CpuFeatures{}; }
#endif

bool can_run(const CpuFeatures& f, CpuLevel level) {
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (level) {
    case CpuLevel::kScalar: return true;
    case CpuLevel::kAvx2: return avx2;
    case CpuLevel::kAvx512: return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

struct Levels {
  KernelSet sets[3];
  bool present[3] = {false, false, false};
  int best = 0;  // index of the set kernels() returns
};

// PRIMER_CPU=scalar|avx2|avx512 caps the level; unknown values are ignored (no cap).
int env_cap() {
  const char* env = std::getenv("PRIMER_CPU");
  if (env == nullptr) return 2;
  for (int i = 0; i < 3; ++i) {
    if (std::strcmp(env, cpu_level_name(static_cast<CpuLevel>(i))) == 0) return i;
  }
  return 2;
}

Levels build_levels() {
  Levels l;
  const CpuFeatures& f = cpu_features();
  kern::fill_scalar(l.sets[0]);
  l.present[0] = true;
  if (can_run(f, CpuLevel::kAvx2)) {
    l.sets[1] = l.sets[0];
    kern::fill_avx2(l.sets[1]);
    l.sets[1].level = CpuLevel::kAvx2;
    l.present[1] = true;
  }
  if (l.present[1] && can_run(f, CpuLevel::kAvx512)) {
    l.sets[2] = l.sets[1];
    kern::fill_avx512(l.sets[2], f.avx512vnni);
    l.sets[2].level = CpuLevel::kAvx512;
    l.present[2] = true;
  }
  const int cap = env_cap();
  for (int i = 0; i < 3; ++i) {
    if (l.present[i] && i <= cap) l.best = i;
  }
  return l;
}

const Levels& levels() {
  static const Levels kLevels = build_levels();
  return kLevels;
}

}  // namespace

const char* cpu_level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::kScalar: return "scalar";
    case CpuLevel::kAvx2: return "avx2";
    case CpuLevel::kAvx512: return "avx512";
  }
  return "unknown";
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures kFeatures = detect_features();
  return kFeatures;
}

const TypeKernels& KernelSet::of(QuantType type) const {
  const int i = slot(type);
  PRIMER_CHECK(i >= 0 && types[i].supported);
  return types[i];
}

const KernelSet& kernels() {
  const Levels& l = levels();
  return l.sets[l.best];
}

const KernelSet* kernels_for(CpuLevel level) {
  const Levels& l = levels();
  const int i = static_cast<int>(level);
  if (i < 0 || i > 2 || !l.present[i]) return nullptr;
  return &l.sets[i];
}

}  // namespace primer
