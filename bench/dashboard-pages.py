#!/usr/bin/env python3
"""Server time of the dashboard's overview and alerts pages (docs/BENCHMARKS.md, D1).

Starts nothing: point it at a fresh server (it must still print its setup link) started with
`--urls http://127.0.0.1:5090` and `Vigil__Auth__BootstrapAdminKey=bench-admin-key-0123456789`:

    python3 bench/dashboard-pages.py http://127.0.0.1:5090 '<the printed setup link>'

It loads 10 000 series, 100 rules and about 1 000 firing alerts, creates the admin account
through the setup page, then times N sequential GETs of each page with the session cookie and
prints p50/p95/p99 of the time to the last byte, and the pages' sizes.
"""
import http.cookiejar, json, re, statistics, sys, time, urllib.parse, urllib.request

base, setup = sys.argv[1].rstrip('/'), sys.argv[2]
key = 'bench-admin-key-0123456789'
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 300


def api(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read()


# 100 rules: the 14 defaults and 86 more; one of them fires once per route below.
api('POST', '/api/v1/alerts/rules', {'name': 'Bench slow route', 'metric': 'bench_latency_ms', 'groupBy': ['route'],
                                     'aggregation': 'max', 'windowMinutes': 5, 'thresholdType': 'static', 'threshold': 100,
                                     'comparison': 'greater_than', 'severity': 'warning'})
for i in range(85):
    api('POST', '/api/v1/alerts/rules', {'name': f'Bench rule {i}', 'metric': f'bench_other_{i}', 'aggregation': 'avg',
                                         'windowMinutes': 5, 'thresholdType': 'static', 'threshold': 1e9,
                                         'comparison': 'greater_than', 'severity': 'info'})
# 1 000 routes over the threshold (1 000 alerts) and 9 000 more request series.
points = [{'name': 'bench_latency_ms', 'type': 'timing', 'value': 500, 'labels': {'route': f'/r/{i}'}} for i in range(1000)]
points += [{'name': 'http_request_duration_ms', 'type': 'timing', 'value': 20 + i % 200,
            'labels': {'route': f'/api/{i % 3000}', 'method': ['GET', 'POST', 'PUT'][i % 3], 'status': '200'}} for i in range(9000)]
for start in range(0, len(points), 1000):
    api('POST', '/api/v1/metrics', {'points': points[start:start + 1000]})
for _ in range(120):
    firing = json.loads(api('GET', '/api/v1/alerts?status=firing&limit=1000')[1])
    if len(firing) >= 1000:
        break
    time.sleep(1)
print(f'firing alerts: {len(firing)}')

jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = browser.open(setup).read().decode()
token = re.search(r'name="__RequestVerificationToken" type="hidden" value="([^"]+)"', form) or re.search(r'name="__RequestVerificationToken" value="([^"]+)"', form)
query = urllib.parse.urlparse(setup).query
body = urllib.parse.urlencode({'token': urllib.parse.parse_qs(query)['token'][0], 'userName': 'bench', 'password': 'bench password 1',
                               'confirmation': 'bench password 1', '__RequestVerificationToken': token.group(1)}).encode()
browser.open(urllib.request.Request(base + '/setup', data=body, method='POST'))

for page in ['/', '/alerts', '/alerts?status=firing', '/rules']:
    times, size = [], 0
    for i in range(runs + 20):
        started = time.perf_counter()
        with browser.open(base + page) as r:
            html = r.read()
            size = len(html)
            if r.status != 200 or b'Sign out' not in html:
                sys.exit(f'{page} answered {r.status} without a page (signed out?)')
        if i >= 20:
            times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=100)
    print(f'{page:24} {size:8} bytes  p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms  ({runs} runs)')
