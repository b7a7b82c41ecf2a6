// Charts as inline SVG text, drawn from the numbers given: a line chart of
// counts over time, horizontal stacked bars and a histogram. Every number a
// chart shows is also printed as text in it (a series' last value, a bar's
// total), so a reader and a test can read it off the page.
//
// Pure functions, no I/O. Labels are escaped here; callers pass plain text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2pscope::report {

// HTML/XML text and attribute escaping (& < > " ').
std::string escape(std::string_view text);

// The palette, by name: "normal", "anti_p2p", "byte_order", ..., and the
// route names. An unknown name gets a neutral grey.
std::string_view colour_of(std::string_view name);

struct Series {
  std::string name;                            // also picks the colour (colour_of)
  std::vector<std::pair<double, double>> xy;   // x ascending
};
struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<double> x_marks;                 // vertical rules (e.g. event boundaries)
  std::vector<std::pair<double, double>> x_spans;  // shaded x ranges
  std::optional<double> y_rule;                // a horizontal rule (e.g. one third of the peak)
  int width = 760, height = 300;
};
std::string line_chart(const LineChart& c);

struct Bar {
  std::string label;
  std::vector<std::pair<std::string, double>> parts;  // (part name, value), stacked left to right
  std::string link;                                   // "#anchor" or empty
  bool highlight = false;                             // drawn with a heavy outline (an anti-P2P farm)
};
struct BarChart {
  std::string title, value_label;
  std::vector<Bar> bars;
  int width = 760;
};
std::string bar_chart(const BarChart& c);

// Counts per bin, bins labelled "lo-hi".
struct Histogram {
  std::string title, x_label;
  std::vector<std::pair<std::string, double>> bins;
  int width = 760, height = 220;
};
std::string histogram(const Histogram& h);

// "1,234" (thousands separated) for integers, else two decimals.
std::string number(double v);

}  // namespace p2pscope::report
