// The loss curve: loss.csv (every step) and loss.svg (a self-contained chart drawn at the end).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "train/train_loop_internal.h"

namespace primer::train {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

// "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
std::vector<double> ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return out;
}

std::string tick_label(double v) {
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3)) return fmt("%.0e", v);
  if (std::fabs(v) >= 1000) return fmt("%.0f", v);
  return fmt("%g", v);
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

}  // namespace

std::string loss_csv(std::span<const LossRow> rows) {
  std::string out = "step,lr,train_loss,val_loss,tokens,seconds\n";
  char buf[256];
  for (const LossRow& r : rows) {
    const std::string val = std::isnan(r.val_loss) ? "" : fmt("%.6f", r.val_loss);
    std::snprintf(buf, sizeof(buf), "%lld,%.6g,%.6f,%s,%lld,%.3f\n", static_cast<long long>(r.step),
                  static_cast<double>(r.lr), r.train_loss, val.c_str(), static_cast<long long>(r.tokens), r.seconds);
    out += buf;
  }
  return out;
}

std::string loss_svg(std::span<const LossRow> rows, const std::string& title) {
  constexpr double kW = 800, kH = 500, kLeft = 70, kRight = 20, kTop = 40, kBottom = 55;
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  double x_lo = 0, x_hi = 1, y_lo = HUGE_VAL, y_hi = -HUGE_VAL;
  for (const LossRow& r : rows) {
    x_hi = std::max(x_hi, static_cast<double>(r.step));
    for (double v : {r.train_loss, r.val_loss}) {
      if (std::isfinite(v)) y_lo = std::min(y_lo, v), y_hi = std::max(y_hi, v);
    }
  }
  if (!(y_hi >= y_lo)) y_lo = 0, y_hi = 1;
  if (y_hi - y_lo < 1e-6) y_lo -= 0.5, y_hi += 0.5;
  const double pad = (y_hi - y_lo) * 0.05;
  y_lo = std::max(0.0, y_lo - pad), y_hi += pad;
  auto sx = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * pw; };
  auto sy = [&](double y) { return kTop + (1 - (y - y_lo) / (y_hi - y_lo)) * ph; };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << kH << "\" viewBox=\"0 0 "
    << kW << " " << kH << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << kW / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(title) << "</text>\n";
  // Grid, ticks and tick labels.
  for (double t : ticks(x_lo, x_hi, 8)) {
    const double x = sx(t);
    s << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\"" << kTop + ph
      << "\" stroke=\"#e5e5e5\"/>\n<line x1=\"" << x << "\" y1=\"" << kTop + ph << "\" x2=\"" << x << "\" y2=\""
      << kTop + ph + 5 << "\" stroke=\"black\"/>\n<text x=\"" << x << "\" y=\"" << kTop + ph + 18
      << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
  }
  for (double t : ticks(y_lo, y_hi, 6)) {
    const double y = sy(t);
    s << "<line x1=\"" << kLeft << "\" y1=\"" << y << "\" x2=\"" << kLeft + pw << "\" y2=\"" << y
      << "\" stroke=\"#e5e5e5\"/>\n<line x1=\"" << kLeft - 5 << "\" y1=\"" << y << "\" x2=\"" << kLeft << "\" y2=\""
      << y << "\" stroke=\"black\"/>\n<text x=\"" << kLeft - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
      << tick_label(t) << "</text>\n";
  }
  // Axes and labels.
  s << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + ph << "\" x2=\"" << kLeft + pw << "\" y2=\"" << kTop + ph
    << "\" stroke=\"black\"/>\n<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
    << kTop + ph << "\" stroke=\"black\"/>\n";
  s << "<text x=\"" << kLeft + pw / 2 << "\" y=\"" << kH - 12 << "\" text-anchor=\"middle\">step</text>\n";
  s << "<text x=\"16\" y=\"" << kTop + ph / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
    << kTop + ph / 2 << ")\">loss (nats/token)</text>\n";
  // Curves.
  auto polyline = [&](bool val, const char* color, double width) {
    std::ostringstream pts;
    size_t n = 0;
    for (const LossRow& r : rows) {
      const double v = val ? r.val_loss : r.train_loss;
      if (!std::isfinite(v)) continue;
      pts << fmt("%.1f", sx(static_cast<double>(r.step))) << "," << fmt("%.1f", sy(v)) << " ";
      ++n;
    }
    if (n == 0) return;
    s << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"" << width << "\" points=\""
      << pts.str() << "\"/>\n";
    if (val) {
      for (const LossRow& r : rows) {
        if (std::isfinite(r.val_loss)) {
          s << "<circle cx=\"" << fmt("%.1f", sx(static_cast<double>(r.step))) << "\" cy=\""
            << fmt("%.1f", sy(r.val_loss)) << "\" r=\"3\" fill=\"" << color << "\"/>\n";
        }
      }
    }
  };
  polyline(false, "#1f77b4", 1.2);
  polyline(true, "#d62728", 2);
  // Legend.
  const double lx = kLeft + pw - 150, ly = kTop + 10;
  s << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"140\" height=\"46\" fill=\"white\" stroke=\"#999\"/>\n";
  s << "<line x1=\"" << lx + 10 << "\" y1=\"" << ly + 15 << "\" x2=\"" << lx + 35 << "\" y2=\"" << ly + 15
    << "\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"" << lx + 42 << "\" y=\"" << ly + 19
    << "\">train loss</text>\n";
  s << "<line x1=\"" << lx + 10 << "\" y1=\"" << ly + 33 << "\" x2=\"" << lx + 35 << "\" y2=\"" << ly + 33
    << "\" stroke=\"#d62728\" stroke-width=\"2\"/><circle cx=\"" << lx + 22 << "\" cy=\"" << ly + 33
    << "\" r=\"3\" fill=\"#d62728\"/><text x=\"" << lx + 42 << "\" y=\"" << ly + 37 << "\">validation loss</text>\n";
  s << "</svg>\n";
  return s.str();
}

}  // namespace primer::train
