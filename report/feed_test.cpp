#include "report/feed.hpp"

#include "core/inflate.hpp"
#include "probes/blocklist.hpp"
#include "report/report_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace p2pscope::report {
namespace {

const Timestamp kT0{std::chrono::seconds(1'800'000'000)};

std::string header(const HttpAnswer& a, std::string_view name) {
  for (const auto& [k, v] : a.headers)
    if (k == name) return v;
  return {};
}

class FeedTest : public testing::SmallCrawl {
 protected:
  std::shared_ptr<const Feed> feed(Timestamp now = kT0, const Feed* previous = nullptr) {
    FeedInputs in;
    in.observations = obs_;
    in.probes = probes_;
    in.diagnosis = diagnosis();
    in.report_html = "<html>report</html>";
    return Feed::build(std::move(in), cfg_, now, previous);
  }
  HttpAnswer get(const Feed& f, std::string target, std::string method = "GET") {
    return answer(f, {std::move(method), std::move(target), if_none_match_, if_modified_since_}, kT0);
  }
  FeedConfig cfg_;
  std::string if_none_match_, if_modified_since_;
};

TEST_F(FeedTest, TheBlocklistsHoldTheAntiP2pVerdictsAsTheBlocklistCommandWritesThem) {
  auto f = feed();
  auto a = get(*f, "/blocklist.p2p");
  EXPECT_EQ(a.status, 200);
  std::vector<IpRange> anti;
  for (const auto& v : diagnosis().verdicts)
    if (v.verdict == VerdictKind::anti_p2p) anti.push_back({v.peer.address, v.peer.address, "p2pscope anti_p2p"});
  ASSERT_EQ(anti.size(), 7u);
  auto want = probes::format_blocklist(merge_ranges(anti), probes::BlocklistFormat::p2p);
  EXPECT_EQ(a.body, want.text);
  EXPECT_EQ(f->rules().at("p2p"), want.rules);
  EXPECT_EQ(header(a, "Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(FeedTest, EachListIsAlsoServedGzipped) {
  auto f = feed();
  for (const char* fmt : {"p2p", "dat", "cidr"}) {
    auto plain = get(*f, std::string("/blocklist.") + fmt), gz = get(*f, std::string("/blocklist.") + fmt + ".gz");
    EXPECT_EQ(header(gz, "Content-Type"), "application/gzip");
    EXPECT_EQ(inflate_bounded(gz.body, Wrapping::gzip, 1 << 20).value(), plain.body) << fmt;
  }
}

TEST_F(FeedTest, AKnownEtagOrAnUnchangedDateGetsNotModified) {
  auto f = feed();
  auto first = get(*f, "/blocklist.dat");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(header(first, "Last-Modified"), http_date(kT0));
  if_none_match_ = header(first, "ETag");
  auto again = get(*f, "/blocklist.dat");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  if_none_match_ = "\"something else\"";
  EXPECT_EQ(get(*f, "/blocklist.dat").status, 200);
  if_none_match_.clear();
  if_modified_since_ = http_date(kT0);
  EXPECT_EQ(get(*f, "/blocklist.dat").status, 304);
  if_modified_since_ = http_date(kT0 - std::chrono::seconds(1));
  EXPECT_EQ(get(*f, "/blocklist.dat").status, 200);
}

TEST_F(FeedTest, ANewSnapshotKeepsTheDateOfAListThatDidNotChange) {
  auto old = feed();
  auto later = kT0 + std::chrono::hours(1);
  auto same = feed(later, old.get());
  EXPECT_EQ(same->file("/blocklist.p2p")->last_modified, kT0);
  probe(testing::ep("20.0.0.9:6881"), ProbeKind::fake_infohash, ProbeOutcome::positive, "handshake");
  auto changed = feed(later, same.get());
  EXPECT_EQ(changed->file("/blocklist.p2p")->last_modified, later) << "20.0.0.9 is now anti-P2P too";
  EXPECT_NE(changed->file("/blocklist.p2p")->etag, old->file("/blocklist.p2p")->etag);
}

TEST_F(FeedTest, ExplainAnswersInTextOrJsonAndSaysWhenItKnowsNothing) {
  auto f = feed();
  auto a = get(*f, "/explain/5.5.5.1:6881");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("looks like: anti-P2P peer"), std::string::npos) << a.body;
  auto j = get(*f, "/explain/5.5.5.1?format=json");
  EXPECT_EQ(nlohmann::json::parse(j.body)["verdicts"][0]["verdict"], "anti_p2p");
  EXPECT_EQ(get(*f, "/explain/9.9.9.9").status, 404);
  EXPECT_EQ(get(*f, "/explain/not-an-ip").status, 400);
  EXPECT_EQ(get(*f, "/explain/%5B2001:db8::1%5D:6881").status, 404) << "brackets arrive percent-encoded";
}

TEST_F(FeedTest, ItIsReadOnlyAndNamesWhatItServes) {
  auto f = feed();
  auto post = get(*f, "/blocklist.p2p", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(get(*f, "/etc/passwd").status, 404);
  EXPECT_EQ(get(*f, "/report").body, "<html>report</html>");
  EXPECT_NE(header(get(*f, "/report"), "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  auto health = nlohmann::json::parse(get(*f, "/health").body);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["rules"]["p2p"], f->rules().at("p2p"));
  EXPECT_NE(get(*f, "/").body.find("/blocklist.p2p.gz"), std::string::npos);
}

TEST_F(FeedTest, HttpDatesRoundTripAndBadOnesAreRefused) {
  EXPECT_EQ(http_date(kT0), "Fri, 15 Jan 2027 08:00:00 GMT");
  EXPECT_EQ(parse_http_date("Fri, 15 Jan 2027 08:00:00 GMT").value(), kT0);
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Fri, 15 Jan 2027 08:00:00 GMT trailing"));
}

}  // namespace
}  // namespace p2pscope::report
