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
#include <unordered_set>

namespace p2pscope::passive {

struct AnalysisOptions {
  ExtractorLimits limits;
  bool messages = true;                  // per-message records to the sink
  std::optional<HoneynetConfig> honeynet;
  std::optional<ScanConfig> scan;
  // Collect the distinct info hashes of BEP 51 sample_infohashes responses,
  // up to this many (0: none); the rest are only counted.
  std::size_t max_samples = 0;
};

// An info hash a DHT node offered in a sample_infohashes response.
struct SampledHash {
  InfoHash info_hash;
  Endpoint node;  // the first node seen offering it
  double t = 0;   // when
};

struct AnalysisResults {
  std::vector<HoneynetEvent> events;  // empty without honeynet mode
  std::vector<ScanHost> hosts;        // empty without scan labelling
  std::vector<SampledHash> samples;   // in the order first seen
  std::uint64_t samples_over_limit = 0;
};

class Analyses {
 public:
  using LineSink = std::function<void(std::string_view type, std::string_view line)>;
  Analyses(const AnalysisOptions& opt, LineSink sink);

  void packet(double t, const Packet& p);
  AnalysisResults finish();

  const Extractor& extractor() const noexcept { return *extractor_; }
  const HoneynetAnalyzer* honeynet() const noexcept { return honeynet_.get(); }
  const ScanLabeler* scan() const noexcept { return scan_.get(); }

 private:
  void sample(const Event& e);
  LineSink sink_;
  std::string line_;  // reused for every record
  std::unique_ptr<HoneynetAnalyzer> honeynet_;
  std::unique_ptr<ScanLabeler> scan_;
  std::unique_ptr<Extractor> extractor_;
  std::size_t max_samples_ = 0;
  std::unordered_set<InfoHash> sampled_;
  std::vector<SampledHash> samples_;
  std::uint64_t samples_over_limit_ = 0;
};

}  // namespace p2pscope::passive
