#!/usr/bin/env python3
"""Issue 27's acceptance for `p2pscope report`: Debian's headless Chromium
opens a report.html with no console message and no network request, and the
numbers the page shows equal what its inputs say: the demo's record files
(`demo DIR`), or a harness run's report.json and the honeynet event records
of p2pscope passive (`harness DIR`: DIR/harness/report.json,
DIR/events.jsonl, DIR/report.html; tests/report_harness_test.sh).

Run inside a network namespace of its own (tests/CMakeLists.txt wraps it in
`unshare --net`): Chromium is pointed at a proxy on loopback that records
every request, so a request the page makes fails the test, and nothing can
leave the machine either way.

usage: report_browser_test.py demo DEMO_DIR | harness DIR
"""
import collections
import html.parser
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Proxy(threading.Thread):
    """Accepts every connection and records its first line."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []

    def run(self):
        while True:
            conn, _ = self.sock.accept()
            conn.settimeout(2)
            try:
                line = conn.recv(4096).split(b"\r\n", 1)[0]
            except OSError:
                line = b"(nothing read)"
            self.requests.append(line.decode("latin-1"))
            conn.close()


class Tables(html.parser.HTMLParser):
    """Every <table class=...> as rows of cell texts; the SVG legend values."""

    def __init__(self):
        super().__init__()
        self.tables = collections.defaultdict(list)
        self.table, self.row, self.cell = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("class", "")
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.table].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


# Chromium's own services (its component updater still runs headless, with
# --disable-component-update): requests to these are the browser's, not the
# page's, as long as the page names none of these hosts (checked below).
BROWSER_SERVICES = ("update.googleapis.com", "clients2.google.com", "redirector.gvt1.com", "edgedl.me.gvt1.com",
                    "accounts.google.com", "safebrowsingohttpgateway.googleapis.com",
                    "optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com")


def host_of(request_line):
    target = request_line.split(" ")[1] if " " in request_line else ""
    return re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]


def open_in_chromium(page):
    proxy = Proxy()
    proxy.start()
    with tempfile.TemporaryDirectory() as profile:
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
               "--disable-sync", "--disable-extensions", "--disable-domain-reliability", "--no-pings",
               "--disable-client-side-phishing-detection", "--disable-breakpad", "--metrics-recording-only",
               "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
               "--user-data-dir=" + profile,
               "--proxy-server=http://127.0.0.1:%d" % proxy.port, "--proxy-bypass-list=<-loopback>",
               "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + os.path.abspath(page)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        fail("chromium exited %d: %s" % (run.returncode, run.stderr[-2000:]))
    # Chromium's own pages (chrome://) log to the same console; the page's lines name its file.
    console = [l for l in run.stderr.splitlines()
               if ("CONSOLE" in l or "Refused to" in l) and "source: chrome://" not in l]
    if console:
        fail("console messages:\n" + "\n".join(console[:20]))
    page_requests = [r for r in proxy.requests if host_of(r) not in BROWSER_SERVICES]
    if page_requests:
        fail("the page made network requests: %s" % page_requests[:10])
    if "</html>" not in run.stdout:
        fail("chromium gave no document")
    named = [h for h in BROWSER_SERVICES if h in run.stdout]
    if named:
        fail("the page names %s, whose requests the test takes for the browser's own" % named)
    browser_own = len(proxy.requests)
    return run.stdout, browser_own


def records(path, kind):
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == kind:
                yield r


def endpoint(ip, port):
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)


def number(text):
    return int(text.replace(",", ""))


def check_demo(demo):
    dom, browser_own = open_in_chromium(os.path.join(demo, "report.html"))
    page = Tables()
    page.feed(dom)
    checked = 0

    # The summary's verdict counts equal diagnose's verdicts.jsonl.
    want = collections.Counter(v["verdict"] for v in records(os.path.join(demo, "verdicts.jsonl"), "verdict"))
    shown = {row[0]: number(row[1]) for row in page.tables["verdicts"][1:]}
    if shown != dict(want):
        fail("verdict counts on the page %s, in verdicts.jsonl %s" % (shown, dict(want)))
    checked += len(shown)

    # The crawl chart's last values: unique (infohash, peer) pairs per route.
    per_route = collections.defaultdict(set)
    by_source = collections.defaultdict(set)
    for o in records(os.path.join(demo, "crawl.jsonl"), "observation"):
        pair = (o["info_hash"], endpoint(o["peer_ip"], o["peer_port"]))
        per_route[o["via"]].add(pair)
        per_route["all routes"].add(pair)
        by_source[o.get("source_url") or endpoint(o["source_ip"], o["source_port"])].add(pair)
    legend = {m.group(1): number(m.group(2))
              for m in re.finditer(r'>([a-z_ ]+) <tspan class="value">([\d,]+)</tspan>', dom)}
    for route, pairs in per_route.items():
        if legend.get(route) != len(pairs):
            fail("route %s: the chart ends at %s, crawl.jsonl has %d pairs" % (route, legend.get(route), len(pairs)))
        checked += 1

    # The source table: peers handed out per source.
    rows = page.tables["sources"][1:]
    if not rows:
        fail("no source table")
    for row in rows:
        if number(row[2]) != len(by_source[row[1]]):
            fail("source %s: %s peers on the page, %d in crawl.jsonl" % (row[1], row[2], len(by_source[row[1]])))
        checked += 1

    # Every flagged peer's verdict is one verdicts.jsonl gives it.
    verdict_of = collections.defaultdict(set)
    for v in records(os.path.join(demo, "verdicts.jsonl"), "verdict"):
        verdict_of[endpoint(v["peer_ip"], v["peer_port"])].add(v["verdict"])
    for row in page.tables["flagged"][1:]:
        if row[1] not in verdict_of[row[0]]:
            fail("flagged %s: %s on the page, %s in verdicts.jsonl" % (row[0], row[1], verdict_of[row[0]]))
        checked += 1
    explained = len(re.findall(r'<details id="peer-', dom))
    print("report.html: no console message, no request from the page (%d of Chromium's own to its update "
          "services, held by the test's proxy); %d numbers and verdicts agree with the records; %d peers explained "
          "on the page" % (browser_own, checked, explained))


def unroutable(endpoint_text):
    """Special-purpose space, as core/special_ranges.hpp's is_bogon means it."""
    host = endpoint_text.rsplit(":", 1)[0].strip("[]")
    ip = ipaddress.ip_address(host)
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def check_harness_runs(page, runs):
    checked = 0
    summary = {row[0]: row for row in page.tables["harness"][1:]}
    table5 = {(row[0], row[1]): [number(c) for c in row[2:]] for row in page.tables["table5"][1:]}
    policy = {(row[0], row[2]): row for row in page.tables["policy"][1:]}
    if len(summary) != len(runs):
        fail("%d client runs on the page, %d in report.json" % (len(summary), len(runs)))
    for r in runs:
        name = r["client"] + ("" if r.get("mode", "taint") == "taint" else " (%s)" % r["mode"])
        d = r.get("diff", {})
        row = summary.get(name) or fail("no summary row for %s" % name)
        want = [r["verdict"], d.get("propagation_policy", "-"), len(d.get("outgoing", [])), d.get("bogus", 0),
                len(d.get("byte_order", []))]
        got = [row[2], row[3], number(row[4]), number(row[5]), number(row[6])]
        if got != want:
            fail("%s: the page says %s, report.json %s" % (name, got, want))
        checked += len(want)
        for route in d.get("routes", []):
            out_unroutable = sum(1 for o in d.get("outgoing", []) if o["route"] == route["route"] and unroutable(o["peer"]))
            want = [route["incoming"], route["outgoing"], out_unroutable, route["created"], route["created_unroutable"]]
            if table5.get((name, route["route"])) != want:
                fail("Table V %s %s: the page %s, report.json %s" % (name, route["route"], table5.get((name, route["route"])), want))
            checked += len(want)
        if "all_routes" in d:
            a = d["all_routes"]
            distinct = {o["peer"] for o in d.get("outgoing", [])}
            want = [a["incoming"], len(distinct), sum(1 for p in distinct if unroutable(p)),
                    len({c["advertised"] for c in d.get("created", [])}), a["created_unroutable"]]
            if table5.get((name, "all routes")) != want:
                fail("Table V %s all routes: the page %s, report.json %s" % (name, table5.get((name, "all routes")), want))
            checked += len(want)
        for k in d.get("policy_evidence", []):
            row = policy.get((name, k["kind"])) or fail("no policy row for %s %s" % (name, k["kind"]))
            want = [k["fed"], k["contacted"], k["handshaken"], k["advertised_by_pex"]]
            if [number(c) for c in row[3:]] != want:
                fail("policy %s %s: the page %s, report.json %s" % (name, k["kind"], row[3:], want))
            checked += len(want)
    return checked


def check_events(page, dom, events):
    checked = 0
    rows = {(row[0], row[1]): row for row in page.tables["events"][1:]}
    if len(rows) != len(events):
        fail("%d events on the page, %d records" % (len(rows), len(events)))
    for e in events:
        start = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e["start"]))
        row = rows.get((e["target"], start)) or fail("no row for event %s" % e["event"])
        want = [e["classification"], e["application"], e["unique_sources"], e["peak_per_interval"], len(e["farms"])]
        got = [row[3], row[4], number(row[6]), number(row[7]), number(row[9])]
        if got != want or abs(float(row[8]) - e["u"]) > 0.006:
            fail("event %s: the page %s U %s, the record %s U %s" % (e["event"], got, row[8], want, e["u"]))
        checked += len(want) + 1
    # The interval charts: each ends at its event's last interval.
    ends = [number(m.group(1)) for m in re.finditer(r'>sources per interval <tspan class="value">([\d,]+)</tspan>', dom)]
    charted = sorted(events, key=lambda e: -e["unique_sources"])[:len(ends)]
    if not ends or sorted(ends) != sorted(e["per_interval"][-1][1] for e in charted):
        fail("interval charts end at %s, the records at %s" % (ends, [e["per_interval"][-1][1] for e in charted]))
    checked += len(ends)
    # Fig. 6: events per U bin.
    bins = collections.Counter(min(9, int(e["u"] * 10)) for e in events)
    shown = [number(m.group(1)) for m in re.finditer(r'>([\d,]+)</text><text class="tick"[^>]*>\d\.\d-\d\.\d<', dom)]
    if shown[-10:] != [bins.get(i, 0) for i in range(10)]:
        fail("Fig. 6 bins %s, the records %s" % (shown[-10:], [bins.get(i, 0) for i in range(10)]))
    return checked + 10


def check_harness(directory):
    dom, browser_own = open_in_chromium(os.path.join(directory, "report.html"))
    page = Tables()
    page.feed(dom)
    with open(os.path.join(directory, "harness", "report.json")) as f:
        runs = json.load(f)
    events = list(records(os.path.join(directory, "events.jsonl"), "passive_honeynet_event"))
    if not runs or not events:
        fail("nothing to compare: %d runs, %d events" % (len(runs), len(events)))
    checked = check_harness_runs(page, runs) + check_events(page, dom, events)
    print("report.html (a harness run and honeynet events): no console message, no request from the page (%d of "
          "Chromium's own, held by the test's proxy); %d numbers agree with report.json and the event records (%d "
          "client runs, %d events)" % (browser_own, checked, len(runs), len(events)))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("demo", "harness"):
        sys.exit(__doc__)
    (check_demo if sys.argv[1] == "demo" else check_harness)(sys.argv[2])
