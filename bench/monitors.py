#!/usr/bin/env python3
"""1 000 HTTP uptime monitors at a 10 s interval against loopback targets (docs/BENCHMARKS.md, M1).

Starts its own target (a threaded Python HTTP server answering 200 "ok") and a fresh Vigil server
(the Release build, SQLite in a temporary folder), creates the monitors through the API, lets
them run, then reports: checks the target received against the ideal, the p50/p99/max start
delay of the checks (Vigil's own vigil_monitor_start_delay_ms series), the server's CPU over the
measured window (from /proc) and its resident memory per monitor (after minus before).

    dotnet build src/Vigil.Server -c Release && python3 bench/monitors.py [monitors] [seconds]
"""
import http.server, json, os, socketserver, subprocess, sys, tempfile, threading, time, urllib.request

monitors = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 120
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
dll = os.path.join(root, 'src/Vigil.Server/bin/Release/net10.0/Vigil.Server.dll')
key = 'bench-admin-key-0123456789'
hits = [0]
lock = threading.Lock()


class Target(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        with lock:
            hits[0] += 1
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


target = Server(('127.0.0.1', 0), Target)
threading.Thread(target=target.serve_forever, daemon=True).start()
target_url = f'http://127.0.0.1:{target.server_address[1]}'

work = tempfile.mkdtemp(prefix='vigil-monitors-bench-')
port = 5093
base = f'http://127.0.0.1:{port}'
env = dict(os.environ, Vigil__Auth__BootstrapAdminKey=key, Vigil__Delivery__AllowPrivateNetworks='true',
           Vigil__Storage__ConnectionString=f'Data Source={work}/vigil.db', Vigil__Secrets__KeyFile=f'{work}/vigil.key',
           Logging__LogLevel__Default='Warning')
server = subprocess.Popen(['dotnet', dll, '--urls', base], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def api(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b'null')


def rss_kb():
    with open(f'/proc/{server.pid}/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))


def cpu_seconds():
    with open(f'/proc/{server.pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


try:
    for _ in range(200):
        try:
            api('GET', '/api/health?quick=true')
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(3)
    before = rss_kb()
    for i in range(monitors):
        api('POST', '/api/v1/monitors', {'name': f'bench-{i}', 'url': f'{target_url}/ok?i={i}', 'intervalSeconds': 10, 'timeoutSeconds': 5})
    time.sleep(20)  # every monitor checked at least once; the start-up spread settles
    with lock:
        hits_start = hits[0]
    cpu_start, wall_start = cpu_seconds(), time.time()
    time.sleep(seconds)
    with lock:
        checks = hits[0] - hits_start
    cpu = cpu_seconds() - cpu_start
    wall = time.time() - wall_start
    after = rss_kb()
    frm, to = int(wall_start), int(time.time())

    def delay(agg):
        series = api('GET', f'/api/v1/series?metric=vigil_monitor_start_delay_ms&agg={agg}&from={frm}&to={to}')['series']
        return series[0]['points'][0][1] if series and series[0]['points'] else float('nan')

    states = {}
    for m in api('GET', '/api/v1/monitors?recent=0'):
        states[m['state']['status']] = states.get(m['state']['status'], 0) + 1
    print(f'monitors {monitors} at 10 s for {wall:.0f} s on {os.cpu_count()} cores')
    print(f'checks received {checks} (ideal {monitors * wall / 10:.0f}); states {states}')
    print(f'start delay p50 {delay("p50"):.1f} ms  p99 {delay("p99"):.1f} ms  max {delay("max"):.1f} ms')
    print(f'server CPU {cpu:.1f} s over {wall:.0f} s = {100 * cpu / wall:.1f} % of one core')
    print(f'server RSS {before / 1024:.0f} MB before, {after / 1024:.0f} MB after: {(after - before) / monitors:.1f} KB per monitor')
finally:
    server.terminate()
    server.wait(30)
    target.shutdown()
