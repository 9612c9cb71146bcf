// Non-x86 builds: the x86 fillers exist only so dispatch.cpp links; they are never called
// (cpu_features() reports no x86 feature there).
#include "kernels/levels.h"
#include "primer/error.h"

namespace primer::kern {

void fill_avx2(KernelSet&) { PRIMER_CHECK(false); }
void fill_avx512(KernelSet&, bool) { PRIMER_CHECK(false); }

}  // namespace primer::kern
