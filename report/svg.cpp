#include "report/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

namespace p2pscope::report {
namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A round step for about `ticks` divisions of [0, top].
double nice_step(double top, int ticks) {
  if (top <= 0) return 1;
  double raw = top / ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string duration_label(double seconds) {
  if (seconds >= 7200) return number(std::round(seconds / 360) / 10) + " h";
  if (seconds >= 120) return number(std::round(seconds / 6) / 10) + " min";
  return number(std::round(seconds)) + " s";
}

struct Frame {
  double left = 60, right = 170, top = 34, bottom = 40;
  double w, h, x0, x1, y1;
  double px(double x) const { return left + (x1 > x0 ? (x - x0) / (x1 - x0) : 0) * w; }
  double py(double y) const { return top + h - (y1 > 0 ? y / y1 : 0) * h; }
};

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view colour_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 38> kColours{{
      {"normal", "#4c9a2a"},           {"anti_p2p", "#c0392b"},        {"byte_order", "#e67e22"},
      {"bogus_unroutable", "#8e44ad"}, {"unreachable", "#95a5a6"},     {"unknown", "#bdc3c7"},
      {"dht_fake_values", "#a93226"},  {"dht_phantom_neighbours", "#6c3483"}, {"dht_sybil", "#1f618d"},
      {"tracker_http", "#2471a3"},     {"tracker_udp", "#17a589"},     {"dht", "#b7950b"},
      {"pex", "#cb4335"},              {"incoming", "#566573"},        {"ed2k_server", "#2e86c1"},
      {"kad", "#d4ac0d"},              {"sx", "#a04000"},              {"all routes", "#212f3d"},
      // Honeynet events: packets by protocol, sources by client code.
      {"tcp", "#2471a3"},              {"utp", "#17a589"},             {"krpc", "#b7950b"},
      {"udp", "#7d3c98"},              {"icmp", "#95a5a6"},            {"TR", "#c0392b"},
      {"qB", "#2e86c1"},               {"lt", "#28b463"},              {"LT", "#1d8348"},
      {"UT", "#e67e22"},               {"DE", "#6c3483"},              {"AZ", "#1f618d"},
      {"BI", "#117a65"},               {"KT", "#b03a2e"},              {"M7", "#d68910"},
      {"A2", "#7b241c"},               {"zero", "#212f3d"},
      // The harness: peers passed on and peers created.
      {"passed on", "#4c9a2a"},        {"created", "#c0392b"},        {"sources per interval", "#1f618d"},
  }};
  for (const auto& [k, v] : kColours)
    if (k == name) return v;
  return "#7f8c8d";
}

std::string number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    auto n = static_cast<long long>(v);
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return n < 0 ? "-" + out : out;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string line_chart(const LineChart& c) {
  Frame f;
  f.w = c.width - f.left - f.right;
  f.h = c.height - f.top - f.bottom;
  f.x0 = 1e300, f.x1 = -1e300, f.y1 = 0;
  for (const auto& s : c.series)
    for (auto [x, y] : s.xy) {
      f.x0 = std::min(f.x0, x), f.x1 = std::max(f.x1, x), f.y1 = std::max(f.y1, y);
    }
  if (f.x0 > f.x1) f.x0 = 0, f.x1 = 1;
  if (c.y_rule) f.y1 = std::max(f.y1, *c.y_rule);
  double step = nice_step(f.y1, 5);
  f.y1 = std::max(step, std::ceil(f.y1 / step) * step);
  std::ostringstream r;
  r << "<svg class=\"chart\" viewBox=\"0 0 " << c.width << " " << c.height << "\" role=\"img\" aria-label=\""
    << escape(c.title) << "\">\n<text class=\"title\" x=\"" << f.left << "\" y=\"18\">" << escape(c.title) << "</text>\n";
  for (auto [a, b] : c.x_spans)
    r << "<rect class=\"span\" x=\"" << fmt(f.px(a)) << "\" y=\"" << f.top << "\" width=\""
      << fmt(std::max(1.0, f.px(b) - f.px(a))) << "\" height=\"" << fmt(f.h) << "\"/>\n";
  for (double y = 0; y <= f.y1 + step / 2; y += step)
    r << "<line class=\"grid\" x1=\"" << f.left << "\" x2=\"" << fmt(f.left + f.w) << "\" y1=\"" << fmt(f.py(y))
      << "\" y2=\"" << fmt(f.py(y)) << "\"/><text class=\"tick\" x=\"" << f.left - 6 << "\" y=\"" << fmt(f.py(y) + 4)
      << "\" text-anchor=\"end\">" << number(y) << "</text>\n";
  double xstep = nice_step(f.x1 - f.x0, 6);
  for (double x = f.x0; x <= f.x1 + xstep / 2; x += xstep)
    r << "<text class=\"tick\" x=\"" << fmt(f.px(x)) << "\" y=\"" << fmt(f.top + f.h + 16) << "\" text-anchor=\"middle\">"
      << duration_label(x - f.x0) << "</text>\n";
  for (double m : c.x_marks)
    r << "<line class=\"mark\" x1=\"" << fmt(f.px(m)) << "\" x2=\"" << fmt(f.px(m)) << "\" y1=\"" << f.top << "\" y2=\""
      << fmt(f.top + f.h) << "\"/>\n";
  if (c.y_rule)
    r << "<line class=\"rule\" x1=\"" << f.left << "\" x2=\"" << fmt(f.left + f.w) << "\" y1=\"" << fmt(f.py(*c.y_rule))
      << "\" y2=\"" << fmt(f.py(*c.y_rule)) << "\"/>\n";
  double legend_y = f.top + 4;
  for (const auto& s : c.series) {
    if (s.xy.empty()) continue;
    r << "<polyline fill=\"none\" stroke=\"" << colour_of(s.name) << "\" stroke-width=\"2\" points=\"";
    for (auto [x, y] : s.xy) r << fmt(f.px(x)) << "," << fmt(f.py(y)) << " ";
    r << "\"/>\n<text class=\"legend\" x=\"" << fmt(f.left + f.w + 10) << "\" y=\"" << fmt(legend_y) << "\" fill=\""
      << colour_of(s.name) << "\">" << escape(s.name) << " <tspan class=\"value\">" << number(s.xy.back().second)
      << "</tspan></text>\n";
    legend_y += 16;
  }
  r << "<text class=\"axis\" x=\"" << fmt(f.left + f.w / 2) << "\" y=\"" << c.height - 4 << "\" text-anchor=\"middle\">"
    << escape(c.x_label) << "</text>\n<text class=\"axis\" transform=\"translate(12," << fmt(f.top + f.h / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << escape(c.y_label) << "</text>\n</svg>\n";
  return r.str();
}

std::string bar_chart(const BarChart& c) {
  const double left = 230, right = 90, row = 22, top = 30;
  double w = c.width - left - right, most = 0;
  for (const auto& b : c.bars) {
    double total = 0;
    for (const auto& [_, v] : b.parts) total += v;
    most = std::max(most, total);
  }
  std::vector<std::string> parts_seen;
  for (const auto& b : c.bars)
    for (const auto& [name, _] : b.parts)
      if (std::find(parts_seen.begin(), parts_seen.end(), name) == parts_seen.end()) parts_seen.push_back(name);
  double height = top + row * static_cast<double>(c.bars.size()) + 34;
  std::ostringstream r;
  r << "<svg class=\"chart\" viewBox=\"0 0 " << c.width << " " << fmt(height) << "\" role=\"img\" aria-label=\""
    << escape(c.title) << "\">\n<text class=\"title\" x=\"10\" y=\"18\">" << escape(c.title) << "</text>\n";
  double y = top;
  for (const auto& b : c.bars) {
    double x = left, total = 0;
    if (!b.link.empty()) r << "<a href=\"" << escape(b.link) << "\">";
    r << "<text class=\"label\" x=\"" << left - 8 << "\" y=\"" << fmt(y + 15) << "\" text-anchor=\"end\">" << escape(b.label)
      << "</text>";
    if (!b.link.empty()) r << "</a>";
    for (const auto& [name, v] : b.parts) {
      double bw = most > 0 ? v / most * w : 0;
      r << "<rect x=\"" << fmt(x) << "\" y=\"" << fmt(y + 3) << "\" width=\"" << fmt(bw) << "\" height=\"" << row - 6
        << "\" fill=\"" << colour_of(name) << "\"><title>" << escape(name) << ": " << number(v) << "</title></rect>";
      x += bw;
      total += v;
    }
    if (b.highlight)
      r << "<rect class=\"farm\" x=\"" << left - 2 << "\" y=\"" << fmt(y + 1) << "\" width=\"" << fmt(x - left + 4)
        << "\" height=\"" << row - 2 << "\"/>";
    r << "<text class=\"value\" x=\"" << fmt(x + 6) << "\" y=\"" << fmt(y + 15) << "\">" << number(total) << "</text>\n";
    y += row;
  }
  double lx = 10;
  for (const auto& name : parts_seen) {
    r << "<rect x=\"" << fmt(lx) << "\" y=\"" << fmt(y + 12) << "\" width=\"10\" height=\"10\" fill=\"" << colour_of(name)
      << "\"/><text class=\"legend\" x=\"" << fmt(lx + 14) << "\" y=\"" << fmt(y + 21) << "\">" << escape(name)
      << "</text>";
    lx += 24 + 7.0 * static_cast<double>(name.size());
  }
  r << "<text class=\"axis\" x=\"" << c.width - 10 << "\" y=\"" << fmt(y + 21) << "\" text-anchor=\"end\">"
    << escape(c.value_label) << "</text>\n</svg>\n";
  return r.str();
}

std::string histogram(const Histogram& h) {
  const double left = 50, right = 20, top = 30, bottom = 40;
  double w = h.width - left - right, ht = h.height - top - bottom, most = 0;
  for (const auto& [_, v] : h.bins) most = std::max(most, v);
  double bw = h.bins.empty() ? w : w / static_cast<double>(h.bins.size());
  std::ostringstream r;
  r << "<svg class=\"chart\" viewBox=\"0 0 " << h.width << " " << h.height << "\" role=\"img\" aria-label=\""
    << escape(h.title) << "\">\n<text class=\"title\" x=\"10\" y=\"18\">" << escape(h.title) << "</text>\n";
  double x = left;
  for (const auto& [label, v] : h.bins) {
    double bh = most > 0 ? v / most * ht : 0;
    r << "<rect x=\"" << fmt(x + 2) << "\" y=\"" << fmt(top + ht - bh) << "\" width=\"" << fmt(bw - 4) << "\" height=\""
      << fmt(bh) << "\" fill=\"#2471a3\"/><text class=\"value\" x=\"" << fmt(x + bw / 2) << "\" y=\"" << fmt(top + ht - bh - 4)
      << "\" text-anchor=\"middle\">" << number(v) << "</text><text class=\"tick\" x=\"" << fmt(x + bw / 2) << "\" y=\""
      << fmt(top + ht + 16) << "\" text-anchor=\"middle\">" << escape(label) << "</text>\n";
    x += bw;
  }
  r << "<text class=\"axis\" x=\"" << fmt(left + w / 2) << "\" y=\"" << h.height - 4 << "\" text-anchor=\"middle\">"
    << escape(h.x_label) << "</text>\n</svg>\n";
  return r.str();
}

}  // namespace p2pscope::report
