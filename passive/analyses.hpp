// The analyses one pass over a capture feeds: the Extractor always, and the
// honeynet analyzer and the scan labeler when configured. Each packet
// reaches the analyzers before the Extractor, so the events it raises for
// that packet land in the interval and attempt state the packet opened.
//
// Records (per-message events when `messages`, failed connections as they
// settle) go to the sink as they happen, each as its type and one line of
// JSON (no newline); the line is valid only during the call. finish()
// returns the summaries.
// The sink must outlive this object. Not thread-safe.
#pragma once

#include "passive/extractor.hpp"
#include "passive/honeynet.hpp"
#include "passive/scan_label.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace p2pscope::passive {

struct AnalysisOptions {
  ExtractorLimits limits;
  bool messages = true;                  // per-message records to the sink
  std::optional<HoneynetConfig> honeynet;
  std::optional<ScanConfig> scan;
};

struct AnalysisResults {
  std::vector<HoneynetEvent> events;  // empty without honeynet mode
  std::vector<ScanHost> hosts;        // empty without scan labelling
};

class Analyses {
 public:
  using RecordSink = std::function<void(std::string_view type, std::string_view line)>;
  Analyses(const AnalysisOptions& opt, RecordSink sink);

  void packet(double t, const Packet& p);
  AnalysisResults finish();

  const Extractor& extractor() const noexcept { return *extractor_; }
  const HoneynetAnalyzer* honeynet() const noexcept { return honeynet_.get(); }
  const ScanLabeler* scan() const noexcept { return scan_.get(); }

 private:
  RecordSink sink_;
  std::string line_;  // reused for every record
  std::unique_ptr<HoneynetAnalyzer> honeynet_;
  std::unique_ptr<ScanLabeler> scan_;
  std::unique_ptr<Extractor> extractor_;
};

}  // namespace p2pscope::passive
