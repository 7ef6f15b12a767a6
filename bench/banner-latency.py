#!/usr/bin/env python3
"""Time from a violating ingest call to the alert banner showing in Chromium (docs/BENCHMARKS.md, D3).

Starts nothing but the browser: point it at a fresh server (it must still print its setup link)
started with `--urls http://127.0.0.1:5090` and `Vigil__Auth__BootstrapAdminKey=bench-admin-key-0123456789`:

    python3 bench/banner-latency.py http://127.0.0.1:5090 '<the printed setup link>' [runs]

It creates the admin account through the setup page, opens the overview in headless Debian
Chromium through chromedriver (the W3C WebDriver protocol over plain HTTP: no extra Python
packages), and watches the banner with a MutationObserver that stamps the time each alert first
appears. Each run ingests one violating point for a new group, waits for its alert in the banner,
then sends a good value for that group (the rule judges the last value) so its alert resolves
and the banner empties again. Prints
p50/p95/max over the runs. Both clocks are this machine's (Python's time.time and the page's
Date.now).
"""
import http.cookiejar, json, os, random, re, socket, statistics, subprocess, sys, time, urllib.parse, urllib.request

base, setup = sys.argv[1].rstrip('/'), sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 50
key = 'bench-admin-key-0123456789'


def call(url, method='GET', body=None, headers=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, method=method, data=data, headers={'Content-Type': 'application/json', **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def api(method, path, body=None):
    return call(base + path, method, body, {'Authorization': f'Bearer {key}'})


# The rule: any point over 100 fires at once (no forSeconds), one alert per 'run' label.
api('POST', '/api/v1/alerts/rules', {'name': 'Bench banner', 'metric': 'bench_banner_ms', 'groupBy': ['run'],
                                     'aggregation': 'last', 'windowMinutes': 1, 'thresholdType': 'static', 'threshold': 100,
                                     'comparison': 'greater_than', 'severity': 'critical'})

# The admin account, through the setup page; its session cookie goes to the browser.
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = opener.open(setup).read().decode()
token = re.search(r'name="__RequestVerificationToken" type="hidden" value="([^"]+)"', form).group(1)
setup_token = urllib.parse.parse_qs(urllib.parse.urlparse(setup).query)['token'][0]
opener.open(urllib.request.Request(base + '/setup', method='POST', data=urllib.parse.urlencode({
    'token': setup_token, 'userName': 'bench', 'password': 'bench password 1', 'confirmation': 'bench password 1',
    '__RequestVerificationToken': token}).encode()))
session = next(c for c in jar if c.name == 'vigil_session')

# chromedriver on a free port, driving Debian's Chromium headless.
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
driver = subprocess.Popen(['chromedriver', f'--port={port}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wd = f'http://127.0.0.1:{port}'
try:
    for _ in range(100):
        try:
            call(wd + '/status', timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    caps = {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {
        'binary': os.environ.get('VIGIL_TEST_CHROMIUM', '/usr/bin/chromium'),
        'args': ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,900']}}}}
    sid = call(wd + '/session', 'POST', caps)['value']['sessionId']
    ses = f'{wd}/session/{sid}'
    call(ses + '/url', 'POST', {'url': base + '/login'})
    call(ses + '/cookie', 'POST', {'cookie': {'name': session.name, 'value': session.value, 'path': '/', 'httpOnly': True}})
    call(ses + '/url', 'POST', {'url': base + '/'})

    def script(js, *args):
        return call(ses + '/execute/sync', 'POST', {'script': js, 'args': list(args)})['value']

    if not script("return !!document.querySelector('#banner') && document.body.textContent.includes('Sign out');"):
        sys.exit('the overview did not open signed in')
    # Stamps when each alert id first appears in the banner.
    script("""
        window.benchSeen = {};
        const stamp = () => document.querySelectorAll('#banner li[data-alert-id]').forEach((li) => {
          if (!(li.dataset.alertId in window.benchSeen)) window.benchSeen[li.dataset.alertId] = Date.now();
        });
        new MutationObserver(stamp).observe(document.body, { subtree: true, childList: true });
        stamp();""")

    latencies = []
    for i in range(runs):
        time.sleep(random.uniform(0.2, 1.2))  # a random phase against the banner's 1 s poll
        started = time.time() * 1000
        api('POST', '/api/v1/metrics', {'points': [{'name': 'bench_banner_ms', 'type': 'gauge', 'value': 500, 'labels': {'run': str(i)}}]})
        alert_id = None
        while alert_id is None:
            if time.time() * 1000 - started > 30_000:
                sys.exit(f'run {i}: the alert did not reach the banner in 30 s')
            firing = api('GET', '/api/v1/alerts?status=firing&limit=100')
            alert_id = next((a['id'] for a in firing if a.get('labels', {}).get('run') == str(i)), None)
            if alert_id is None:
                time.sleep(0.05)
        seen = None
        while seen is None:
            if time.time() * 1000 - started > 30_000:
                sys.exit(f'run {i}: alert {alert_id} did not show in the banner in 30 s')
            seen = script('return window.benchSeen[arguments[0]] ?? null;', alert_id)
            if seen is None:
                time.sleep(0.05)
        latencies.append(seen - started)
        # A good value resolves it (the rule judges the last value), so the banner empties again.
        api('POST', '/api/v1/metrics', {'points': [{'name': 'bench_banner_ms', 'type': 'gauge', 'value': 0, 'labels': {'run': str(i)}}]})
    call(ses, 'DELETE')
finally:
    driver.terminate()

latencies.sort()
q = statistics.quantiles(latencies, n=100, method='inclusive')
print(f'ingest -> banner over {runs} runs: p50 {q[49]:.0f} ms  p95 {q[94]:.0f} ms  max {latencies[-1]:.0f} ms  min {latencies[0]:.0f} ms')
