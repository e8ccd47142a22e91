#!/usr/bin/env python3
"""Draws the dashboard's panels (docs/grafana/workerpool-dashboard.json) as one SVG, from a real run: starts a
pool of 3 metered workers (MeteredPool, the test app of workerpool-micrometer), sends requests, SIGKILLs a
worker, reloads, and scrapes the master's /metrics every second. Not Grafana: the same queries, computed here
from the scrapes (rates over 5 s). Stdlib only.

usage: render-run.py CLASSPATH OUT.svg [SECONDS]   (a run, then the picture; the scrapes stay in a temp dir)
       render-run.py SCRAPE_DIR OUT.svg [SECONDS]  (the picture again, from a run's scrapes)
"""
import os, re, signal, socket, subprocess, sys, tempfile, time, urllib.request

cp, out = sys.argv[1], sys.argv[2]
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 70


def run():
    java = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
    work = tempfile.mkdtemp(prefix="wp-render-")
    events = os.path.join(work, "events.txt")
    log = open(os.path.join(work, "master.log"), "w")
    master = subprocess.Popen([java, "--enable-native-access=ALL-UNNAMED", "-Devents=" + events, "-DshipMs=1000",
                               "-cp", cp, "io.workerpool.micrometer.testapp.MeteredPool"], stdout=log, stderr=log)

    def lines():
        return open(events).read().splitlines() if os.path.exists(events) else []

    def wait(pred, limit=120):
        end = time.time() + limit
        while time.time() < end:
            if pred():
                return True
            time.sleep(0.2)
        raise SystemExit("timed out; see " + work)

    try:
        wait(lambda: sum(l.startswith("worker-listening") for l in lines()) >= 3)
        port = int([l for l in lines() if l.startswith("worker-listening")][0].split()[3])
        mport = int(re.search(r"serving http://[\d.]+:(\d+)/", open(log.name).read()).group(1))
        scrapes = []
        start = time.time()
        killed = reloaded = False
        while time.time() - start < seconds:
            t = time.time() - start
            failed = 0
            for _ in range(8 if t < 50 else 15):  # load steps up after the reload
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                        s.sendall(b"hello\n"); s.recv(64)
                except OSError:
                    failed += 1
            if t > 20 and not killed:
                pid = int([l for l in lines() if l.startswith("worker-start 1 ")][-1].split()[2])
                os.kill(pid, signal.SIGKILL); killed = True
            if t > 40 and not reloaded:
                master.send_signal(signal.SIGHUP); reloaded = True
            text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=5).read().decode()
            scrapes.append((t, text))
            with open(os.path.join(work, "scrape-%03d.txt" % len(scrapes)), "w") as f:
                f.write("# t=%.1f failed_requests=%d\n%s" % (t, failed, text))
            time.sleep(max(0, 1 - (time.time() - start - t)))
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            master.kill()
    print("scrapes and the master's log in", work)
    return scrapes


SERIES = re.compile(r'^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$', re.M)
def parse(text):
    out = {}
    for name, labels, value in SERIES.findall(text):
        out[(name, labels or "")] = float(value)
    return out
def load(directory):
    scrapes = []
    for name in sorted(f for f in os.listdir(directory) if f.startswith("scrape-")):
        text = open(os.path.join(directory, name)).read()
        scrapes.append((float(re.match(r"# t=([\d.]+)", text).group(1)), text))
    return scrapes


points = [(t, parse(x)) for t, x in (load(cp) if os.path.isdir(cp) else run())]

def label(labels, key):
    m = re.search(key + r'="([^"]*)"', labels)
    return m.group(1) if m else ""

def gauge(name, key, scale=1.0, prefix=""):
    series = {}
    for t, p in points:
        for (n, l), v in p.items():
            if n == name:
                series.setdefault(prefix + label(l, key), []).append((t, v * scale))
    return series

def rate(name, select, key, window=5, prefix=""):
    series = {}
    for i, (t, p) in enumerate(points):
        j = max(0, i - window)
        t0, p0 = points[j]
        if t == t0:
            continue
        sums, sums0 = {}, {}
        for (n, l), v in p.items():
            if n == name and select(l):
                sums[label(l, key)] = sums.get(label(l, key), 0) + v
        for (n, l), v in p0.items():
            if n == name and select(l):
                sums0[label(l, key)] = sums0.get(label(l, key), 0) + v
        for k, v in sums.items():
            d = v - sums0.get(k, 0)
            series.setdefault(prefix + k, []).append((t, max(0, d) / (t - t0)))  # a reset counts as 0, as rate()
    return series

panels = [
    ("Workers by state", gauge("workerpool_workers", "state"), ""),
    ("Restarts and exits (per 5 s)", {**{"restarts": [(t, v) for t, v in rate("workerpool_restarts_total", lambda l: True, "x").get("", [])]},
                                      **rate("workerpool_exits_total", lambda l: True, "cause", prefix="exit: ")}, "/s"),
    ("Heap used per worker", gauge("workerpool_worker_heap_used_bytes", "worker", 1 / 1048576, "worker "), "MB"),
    ("GC share per worker", gauge("workerpool_worker_gc_share", "worker", 100, "worker "), "%"),
    ("PSS per worker", gauge("workerpool_worker_pss_bytes", "worker", 1 / 1048576, "worker "), "MB"),
    ("Requests per worker (rate over 5 s)", {**rate("requests_total", lambda l: 'worker="all"' not in l, "worker", prefix="worker "),
                                              **rate("requests_total", lambda l: 'worker="all"' in l, "worker", prefix="pool ")}, "req/s"),
]
COLORS = ["#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9", "#705da0", "#508642"]
W, H, PAD = 560, 250, 46
svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">'
       % (2 * W + 30, 3 * (H + 20) + 50), '<rect width="100%" height="100%" fill="#111217"/>',
       '<text x="12" y="24" fill="#ccccdc" font-size="14">workerpool: a real run of 3 workers (SIGKILL of worker 1 at'
       ' 20 s, reload at 40 s), the dashboard\'s panels drawn from the master\'s /metrics</text>']
for i, (title, series, unit) in enumerate(panels):
    x0, y0 = 10 + (i % 2) * (W + 10), 40 + (i // 2) * (H + 20)
    svg.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#181b1f" stroke="#2c3235"/>' % (x0, y0, W, H))
    svg.append('<text x="%d" y="%d" fill="#ccccdc" font-size="13">%s</text>' % (x0 + 8, y0 + 17, title))
    series = {k: v for k, v in series.items() if v and (not title.startswith("Restarts") or max(x for _, x in v) > 0)}
    rows = (len(series) + 4) // 5
    bottom = y0 + H - 30 - rows * 13
    vals = [v for s in series.values() for _, v in s] or [0]
    top = max(vals) * 1.1 or 1
    px = lambda t: x0 + PAD + t / seconds * (W - PAD - 10)
    py = lambda v: bottom - v / top * (bottom - y0 - 30)
    for f in (0, 0.5, 1):
        yy = py(top * f)
        svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#2c3235"/>' % (x0 + PAD, x0 + W - 10, yy, yy))
        svg.append('<text x="%d" y="%.1f" fill="#8e8e8e" text-anchor="end">%.3g %s</text>' % (x0 + PAD - 3, yy + 4, top * f, unit))
    for s in range(0, seconds + 1, 10):
        svg.append('<text x="%.1f" y="%d" fill="#8e8e8e" text-anchor="middle">%ds</text>' % (px(s), bottom + 13, s))
    for k, (name, pts) in enumerate(sorted(series.items())):
        c = COLORS[k % len(COLORS)]
        svg.append('<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>'
                   % (c, " ".join("%.1f,%.1f" % (px(t), py(v)) for t, v in pts)))
        lx = x0 + 8 + (k % 5) * 108
        ly = bottom + 30 + (k // 5) * 13
        svg.append('<rect x="%d" y="%d" width="10" height="3" fill="%s"/><text x="%d" y="%d" fill="#ccccdc">%s</text>'
                   % (lx, ly - 4, c, lx + 14, ly, name))
svg.append('</svg>')
open(out, "w").write("\n".join(svg))
print("wrote", out, "from", len(points), "scrapes")
