#include "crawler/crawl_core.hpp"

#include "core/special_ranges.hpp"

namespace p2pscope::crawler {

CrawlCore::Admitted CrawlCore::observe(const Observation& o, Clock::time_point now) {
  Admitted out;
  auto added = tally_.add(o);
  out.record = added.new_observation;
  if (!added.new_peer) return out;
  last_growth_ = now;
  if (!cfg_.use_pex || stopping_ || !contactable(o.peer)) return out;
  out.contact = contacted_.emplace(o.info_hash, o.peer).second;
  return out;
}

bool CrawlCore::contactable(const Endpoint& ep) const {
  if (ep.port == 0 || is_bogon(ep.address)) return false;
  if (!ep.address.is_v4() && !cfg_.bind_v6) return false;
  return ep.address != cfg_.bind_v4 && (!cfg_.bind_v6 || ep.address != *cfg_.bind_v6);
}

void CrawlCore::anomaly(Anomaly a) {
  ++anomaly_count_;
  std::string key = std::string(to_string(a.via)) + ' ' + a.source_url.value_or("") +
                    (a.source_endpoint ? a.source_endpoint->to_string() : "") + ' ' + std::string(to_string(a.kind));
  if (auto it = anomalies_.find(key); it != anomalies_.end()) {
    ++it->second.count;
    return;
  }
  if (anomalies_.size() >= cfg_.max_anomaly_keys) return;  // still in anomaly_count()
  a.count = 1;
  anomalies_.emplace(std::move(key), std::move(a));
}

std::optional<std::string> CrawlCore::stop_due(Clock::time_point now, std::size_t pex_busy) const {
  if (cfg_.max_duration.count() > 0 && now - started_ >= cfg_.max_duration)
    return "reached the maximum duration of " + std::to_string(cfg_.max_duration.count()) + " s";
  if (startup_pending_ == 0 && pex_busy == 0 && now - last_growth_ >= cfg_.stable_for)
    return "no new peers for " + std::to_string(cfg_.stable_for.count()) + " s";
  return std::nullopt;
}

}  // namespace p2pscope::crawler
