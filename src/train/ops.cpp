#include "train/ops.h"

#include "train/vec_math.h"

#include <algorithm>
#include <cmath>

namespace primer::train {

namespace {

// Column ranges for weight-gradient reductions: one contiguous range per task.
template <class Fn>
void for_column_ranges(ThreadPool& pool, int64_t n, Fn&& fn) {
  const int64_t n_tasks = std::min<int64_t>(pool.size(), std::max<int64_t>(1, n / 16));
  const int64_t width = (n + n_tasks - 1) / n_tasks;
  pool.parallel_for(static_cast<size_t>(n_tasks), 1, [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      const int64_t lo = static_cast<int64_t>(t) * width;
      const int64_t hi = std::min(n, lo + width);
      if (lo < hi) fn(lo, hi);
    }
  });
}

size_t row_grain(int64_t n) { return static_cast<size_t>(std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n))); }

constexpr int kLanes = 16;

PRIMER_TRAIN_CLONES float sum_squares(const float* x, int64_t n) {
  float lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] += x[i + j] * x[i + j];
  }
  float s = 0.0f;
  for (int j = 0; j < kLanes; ++j) s += lane[j];
  for (; i < n; ++i) s += x[i] * x[i];
  return s;
}

PRIMER_TRAIN_CLONES float dot3(const float* a, const float* b, const float* c, int64_t n) {
  float lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] += a[i + j] * b[i + j] * c[i + j];
  }
  float s = 0.0f;
  for (int j = 0; j < kLanes; ++j) s += lane[j];
  for (; i < n; ++i) s += a[i] * b[i] * c[i];
  return s;
}

PRIMER_TRAIN_CLONES void scale_mul(const float* x, const float* w, float s, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s * w[i];
}

// dx (+)= s * (dy * w - x * c)
PRIMER_TRAIN_CLONES void rms_dx(const float* x, const float* w, const float* dy, float s, float c, float* dx,
                                int64_t n, bool accumulate) {
  if (accumulate) {
    for (int64_t i = 0; i < n; ++i) dx[i] += s * (dy[i] * w[i] - x[i] * c);
  } else {
    for (int64_t i = 0; i < n; ++i) dx[i] = s * (dy[i] * w[i] - x[i] * c);
  }
}

// dw += dy * x * s
PRIMER_TRAIN_CLONES void rms_dw(const float* x, const float* dy, float s, float* dw, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dw[i] += dy[i] * x[i] * s;
}

PRIMER_TRAIN_CLONES void swiglu_fwd_range(const float* gate, const float* up, float* h, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) h[i] = gate[i] / (1.0f + exp_fast(-gate[i])) * up[i];
}

PRIMER_TRAIN_CLONES void swiglu_bwd_range(const float* gate, const float* up, float* dg, float* du, size_t begin,
                                          size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const float g = gate[i];
    const float sig = 1.0f / (1.0f + exp_fast(-g));
    const float dh = dg[i];
    du[i] = dh * g * sig;
    dg[i] = dh * up[i] * sig * (1.0f + g * (1.0f - sig));
  }
}

PRIMER_TRAIN_CLONES void add_rows(float* y, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += b[i];
}

}  // namespace

void rmsnorm_forward(ThreadPool& pool, const float* x, const float* w, float* y, float* rstd, int64_t rows,
                     int64_t n, float eps) {
  pool.parallel_for(static_cast<size_t>(rows), row_grain(n), [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      const float s = 1.0f / std::sqrt(sum_squares(xr, n) / static_cast<float>(n) + eps);
      rstd[r] = s;
      scale_mul(xr, w, s, yr, n);
    }
  });
}

void rmsnorm_backward(ThreadPool& pool, const float* x, const float* w, const float* rstd, const float* dy,
                      float* dx, float* dw, int64_t rows, int64_t n, bool accumulate) {
  pool.parallel_for(static_cast<size_t>(rows), row_grain(n), [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      const float* dyr = dy + r * n;
      float* dxr = dx + r * n;
      const float s = rstd[r];
      const float c = s * s * dot3(dyr, w, xr, n) / static_cast<float>(n);
      rms_dx(xr, w, dyr, s, c, dxr, n, accumulate);
    }
  });
  for_column_ranges(pool, n, [&](int64_t lo, int64_t hi) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * n;
      const float* dyr = dy + r * n;
      rms_dw(xr + lo, dyr + lo, rstd[r], dw + lo, hi - lo);
    }
  });
}

void RopeTable::init(RopeStyle style, float theta, int64_t head_dim, int64_t n_pos) {
  style_ = style;
  head_dim_ = head_dim;
  const int64_t half = head_dim / 2;
  cos_.assign(static_cast<size_t>(n_pos * half), 0.0f);
  sin_.assign(static_cast<size_t>(n_pos * half), 0.0f);
  for (int64_t i = 0; i < half; ++i) {
    const double inv_freq = std::pow(static_cast<double>(theta), -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
    for (int64_t p = 0; p < n_pos; ++p) {
      const double a = static_cast<double>(p) * inv_freq;
      cos_[p * half + i] = static_cast<float>(std::cos(a));
      sin_[p * half + i] = static_cast<float>(std::sin(a));
    }
  }
}

void RopeTable::apply(ThreadPool& pool, float* x, int64_t rows, int64_t seq_len, int64_t n_heads,
                      bool inverse) const {
  const int64_t hd = head_dim_, half = hd / 2;
  const float sign = inverse ? -1.0f : 1.0f;
  pool.parallel_for(static_cast<size_t>(rows), row_grain(n_heads * hd), [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const int64_t pos = static_cast<int64_t>(r) % seq_len;
      const float* c = cos_.data() + pos * half;
      const float* s = sin_.data() + pos * half;
      for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + r * n_heads * hd + h * hd;
        for (int64_t i = 0; i < half; ++i) {
          const int64_t i0 = style_ == RopeStyle::kNorm ? 2 * i : i;
          const int64_t i1 = style_ == RopeStyle::kNorm ? 2 * i + 1 : i + half;
          const float a = v[i0], b = v[i1];
          const float sn = sign * s[i];
          v[i0] = a * c[i] - b * sn;
          v[i1] = a * sn + b * c[i];
        }
      }
    }
  });
}

void swiglu_forward(ThreadPool& pool, const float* gate, const float* up, float* h, int64_t n) {
  pool.parallel_for(static_cast<size_t>(n), 16384, [&](size_t begin, size_t end, int) {
    swiglu_fwd_range(gate, up, h, begin, end);
  });
}

void swiglu_backward(ThreadPool& pool, const float* gate, const float* up, float* dgate_inout, float* dup,
                     int64_t n) {
  pool.parallel_for(static_cast<size_t>(n), 16384, [&](size_t begin, size_t end, int) {
    swiglu_bwd_range(gate, up, dgate_inout, dup, begin, end);
  });
}

void add_bias(ThreadPool& pool, float* y, const float* b, int64_t rows, int64_t n) {
  pool.parallel_for(static_cast<size_t>(rows), row_grain(n), [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      add_rows(y + r * n, b, n);
    }
  });
}

void bias_backward(ThreadPool& pool, const float* dy, float* db, int64_t rows, int64_t n) {
  for_column_ranges(pool, n, [&](int64_t lo, int64_t hi) {
    for (int64_t r = 0; r < rows; ++r) {
      add_rows(db + lo, dy + r * n + lo, hi - lo);
    }
  });
}

PRIMER_TRAIN_CLONES void causal_softmax(float* s, int64_t n_rows, int64_t ld, int64_t first_row, int64_t n_cols) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const int64_t i = first_row + r;
    float* row = s + r * ld;
    float mx = row[0];
    for (int64_t j = 1; j <= i; ++j) mx = row[j] > mx ? row[j] : mx;
    float lane[16] = {};
    int64_t j = 0;
    for (; j + 16 <= i + 1; j += 16) {
      for (int l = 0; l < 16; ++l) {
        row[j + l] = exp_fast(row[j + l] - mx);
        lane[l] += row[j + l];
      }
    }
    float sum = 0.0f;
    for (int l = 0; l < 16; ++l) sum += lane[l];
    for (; j <= i; ++j) {
      row[j] = exp_fast(row[j] - mx);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c <= i; ++c) row[c] *= inv;
    for (int64_t c = i + 1; c < n_cols; ++c) row[c] = 0.0f;
  }
}

PRIMER_TRAIN_CLONES void causal_softmax_backward(const float* p, float* dp, int64_t n_rows, int64_t ld,
                                                 int64_t first_row, int64_t n_cols) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const int64_t i = first_row + r;
    const float* pr = p + r * ld;
    float* dr = dp + r * ld;
    float lane[16] = {};
    int64_t j = 0;
    for (; j + 16 <= i + 1; j += 16) {
      for (int l = 0; l < 16; ++l) lane[l] += pr[j + l] * dr[j + l];
    }
    float dot = 0.0f;
    for (int l = 0; l < 16; ++l) dot += lane[l];
    for (; j <= i; ++j) dot += pr[j] * dr[j];
    for (int64_t c = 0; c <= i; ++c) dr[c] = pr[c] * (dr[c] - dot);
    for (int64_t c = i + 1; c < n_cols; ++c) dr[c] = 0.0f;
  }
}

}  // namespace primer::train
