#include "passive/analyses.hpp"

namespace p2pscope::passive {

Analyses::Analyses(const AnalysisOptions& opt, LineSink sink) : sink_(std::move(sink)), max_samples_(opt.max_samples) {
  if (opt.honeynet) honeynet_ = std::make_unique<HoneynetAnalyzer>(*opt.honeynet);
  if (opt.scan)
    scan_ = std::make_unique<ScanLabeler>(*opt.scan, [this](const FailedAttempt& f) {
      line_ = to_json(f).dump();
      sink_("passive_failed_connection", line_);
    });
  extractor_ = std::make_unique<Extractor>(
      [this, messages = opt.messages](const Event& e) {
        if (messages) {
          line_.clear();
          append_json(e, line_);
          sink_(record_type(e), line_);
        }
        if (honeynet_) honeynet_->event(e);
        if (scan_) scan_->event(e);
        if (max_samples_) sample(e);
      },
      opt.limits);
}

void Analyses::packet(double t, const Packet& p) {
  if (honeynet_) honeynet_->packet(t, p);
  if (scan_) scan_->packet(t, p);
  extractor_->packet(t, p);
}

void Analyses::sample(const Event& e) {
  const auto* k = std::get_if<KrpcEvent>(&e);
  if (!k) return;
  for (const auto& h : k->samples) {
    if (sampled_.count(h)) continue;
    if (sampled_.size() >= max_samples_) {
      ++samples_over_limit_;
      continue;
    }
    sampled_.insert(h);
    samples_.push_back({h, k->hop.from, k->hop.t});
  }
}

AnalysisResults Analyses::finish() {
  extractor_->finish();
  AnalysisResults r;
  r.samples = std::move(samples_);
  r.samples_over_limit = samples_over_limit_;
  if (honeynet_) r.events = honeynet_->finish();
  if (scan_) r.hosts = scan_->finish();
  return r;
}

}  // namespace p2pscope::passive
