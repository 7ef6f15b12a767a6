#!/usr/bin/env python3
"""Uptime monitors against loopback targets (docs/BENCHMARKS.md, "Monitors").

Starts its own loopback targets and webhook receiver (asyncio, standard library only) and a fresh
Vigil server (the Release build, SQLite in a temporary folder, private destinations allowed),
creates everything through the API, measures, and stops them again. Two measurements:

    dotnet build src/Vigil.Server -c Release
    python3 bench/monitors.py load [monitors] [seconds]
    python3 bench/monitors.py down [cycles] [retryIntervalSeconds] [background monitors]

load: `monitors` HTTP monitors (default 1 000) at a 10 s interval against ten loopback targets,
run `seconds` (default 240) after a 30 s settling time. Reports the checks the targets received
against the ideal; how late the checks started, from Vigil's own vigil_monitor_start_delay_ms
(due time to start, p50/p99/max over the window) and, independently, from the arrivals at the
targets (each monitor's arrival k against its earliest arrival plus k intervals: the jitter of
its spacing); the server's CPU over the window (utime + stime from /proc/<pid>/stat); and its
memory per monitor (VmRSS and Vigil's vigil_gc_heap_bytes with the monitors, minus the same
with none, divided by the count).

down: one HTTP monitor at a 10 s interval with retries 1 (one failed check is pending, the
retry `retryIntervalSeconds` later, default 1, makes it down), its target's listener closed
(connection refused) at a random phase of the schedule and opened again after the alert.
The system_down rule sends to a webhook channel on a loopback receiver. Per cycle: target off
to the firing webhook, and target on to the resolved webhook; also the part of each after the
deciding check was stored (the check log's checkedAt), which is the alert pipeline's share.
Optionally with `background monitors` more monitors running against an always-on target.

Set VIGIL_BENCH_NICE=10 to start the server under `nice -n 10` (only when the machine is loaded).
"""
import asyncio, datetime, json, os, random, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
dll = os.path.join(root, 'src/Vigil.Server/bin/Release/net10.0/Vigil.Server.dll')
key = 'bench-admin-key-0123456789'
INTERVAL = 10


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# ---- loopback targets and the webhook receiver, on one asyncio loop in a thread ----

loop = asyncio.new_event_loop()
threading.Thread(target=loop.run_forever, daemon=True).start()


def on_loop(coroutine):
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)


arrivals = {}  # monitor index -> arrival times at the targets
OK = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok'


async def read_request(reader):
    head = await reader.readuntil(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    length = next((int(line.split(':', 1)[1]) for line in lines if line.lower().startswith('content-length:')), 0)
    body = await reader.readexactly(length) if length else b''
    return lines[0], body


async def target(reader, writer):
    try:
        request_line, _ = await read_request(reader)
        path = request_line.split(' ')[1]
        if '?i=' in path:
            arrivals.setdefault(int(path.rsplit('?i=', 1)[1]), []).append(time.time())
        writer.write(OK)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


webhooks = []  # (received at, body)


async def receiver(reader, writer):
    try:
        _, body = await read_request(reader)
        webhooks.append((time.time(), json.loads(body)))
        writer.write(b'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


def listen(handler, port=0):
    async def start():
        return await asyncio.start_server(handler, '127.0.0.1', port, backlog=4096, reuse_address=True)
    return on_loop(start())


def close(server):
    async def stop():
        server.close()
        await server.wait_closed()
    on_loop(stop())


# ---- the server ----

work = tempfile.mkdtemp(prefix='vigil-monitors-bench-')
base = f'http://127.0.0.1:{free_port()}'
env = dict(os.environ, Vigil__Auth__BootstrapAdminKey=key, Vigil__Delivery__AllowPrivateNetworks='true',
           Vigil__Storage__ConnectionString=f'Data Source={work}/vigil.db', Vigil__Secrets__KeyFile=f'{work}/vigil.key',
           Logging__LogLevel__Default='Warning')
nice = os.environ.get('VIGIL_BENCH_NICE')
server = subprocess.Popen((['nice', '-n', nice] if nice else []) + ['dotnet', dll, '--urls', base],
                          cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=open(f'{work}/server.err', 'w'))


def api(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b'null')


def proc(name):
    with open(f'/proc/{server.pid}/{name}') as f:
        return f.read()


def rss_mb():
    return next(int(line.split()[1]) for line in proc('status').splitlines() if line.startswith('VmRSS:')) / 1024


def cpu_seconds():
    fields = proc('stat').rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def series(metric, agg, frm, to):
    found = api('GET', f'/api/v1/series?metric={metric}&agg={agg}&from={int(frm)}&to={int(to)}')['series']
    return found[0]['points'][0][1] if found and found[0]['points'] else float('nan')


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(q * len(values) + 0.999999) - 1))] if values else float('nan')


def load_note():
    return 'load average ' + ' '.join(f'{x:.1f}' for x in os.getloadavg())


def wait_ready():
    for _ in range(300):
        try:
            api('GET', '/api/health?quick=true')
            return
        except OSError:
            time.sleep(0.1)
    sys.exit('the server did not start: ' + open(f'{work}/server.err').read()[-2000:])


def add_monitors(count, urls, first=0):
    for i in range(first, first + count):
        api('POST', '/api/v1/monitors', {'name': f'bench-{i}', 'url': f'{urls[i % len(urls)]}/ok?i={i}',
                                         'intervalSeconds': INTERVAL, 'timeoutSeconds': 5})


def measure_load(monitors, seconds):
    targets = [listen(target) for _ in range(10)]
    urls = [f'http://127.0.0.1:{t.sockets[0].getsockname()[1]}' for t in targets]
    time.sleep(20)  # start-up done, the resource sampler has recorded
    rss_before, t0 = rss_mb(), time.time()
    time.sleep(21)
    heap_before = series('vigil_gc_heap_bytes', 'avg', t0, time.time()) / 2**20
    created = time.time()
    add_monitors(monitors, urls)
    print(f'created {monitors} monitors in {time.time() - created:.1f} s; {load_note()}')
    time.sleep(30)  # every monitor checked at least twice; the creation burst is over
    cpu_start, start = cpu_seconds(), time.time()
    load_start = load_note()
    time.sleep(seconds)
    end = time.time()
    cpu = cpu_seconds() - cpu_start
    rss_after = rss_mb()
    heap_after = series('vigil_gc_heap_bytes', 'avg', start, end) / 2**20
    wall = end - start
    # Checks that started in the window (an arrival is a few ms after its start).
    window = {i: [t for t in times if start <= t < end] for i, times in arrivals.items()}
    checks = sum(len(v) for v in window.values())
    jitter = []
    for times in arrivals.values():
        times = sorted(times)
        offsets = [t - (times[0] + round((t - times[0]) / INTERVAL) * INTERVAL) for t in times]
        base_offset = min(offsets)
        jitter.extend(1000 * (o - base_offset) for t, o in zip(times, offsets) if start <= t < end)
    states = {}
    for m in api('GET', '/api/v1/monitors?recent=0'):
        states[m['state']['status']] = states.get(m['state']['status'], 0) + 1
    print(f'monitors {monitors} at {INTERVAL} s, measured {wall:.0f} s on {os.cpu_count()} cores; {load_start} at the start, {load_note()} at the end')
    print(f'checks received {checks} (ideal {monitors * wall / INTERVAL:.0f}); monitors with none in the window: '
          f'{sum(1 for i in range(monitors) if not window.get(i))}; states {states}')
    print(f'start delay (vigil_monitor_start_delay_ms) p50 {series("vigil_monitor_start_delay_ms", "p50", start, end):.1f} ms  '
          f'p99 {series("vigil_monitor_start_delay_ms", "p99", start, end):.1f} ms  max {series("vigil_monitor_start_delay_ms", "max", start, end):.1f} ms')
    print(f'arrival jitter at the targets p50 {quantile(jitter, 0.5):.1f} ms  p99 {quantile(jitter, 0.99):.1f} ms  max {max(jitter):.1f} ms')
    print(f'server CPU {cpu:.1f} s over {wall:.0f} s = {100 * cpu / wall:.1f} % of one core')
    print(f'server RSS {rss_before:.0f} MB with no monitors, {rss_after:.0f} MB with them: {(rss_after - rss_before) * 1024 / monitors:.1f} KB per monitor')
    print(f'GC heap {heap_before:.1f} MB with no monitors, {heap_after:.1f} MB with them: {(heap_after - heap_before) * 1024 / monitors:.1f} KB per monitor')


def checked_at(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


def wait_for(predicate, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.01)
    sys.exit(f'timed out waiting for {what}')


def measure_down(cycles, retry_interval, background):
    hook = listen(receiver)
    always = listen(target)
    if background:
        add_monitors(background, [f'http://127.0.0.1:{always.sockets[0].getsockname()[1]}'])
    port = free_port()
    switched = listen(target, port)
    channel = api('POST', '/api/v1/channels', {'name': 'bench-hook', 'type': 'webhook',
                                               'config': {'url': f'http://127.0.0.1:{hook.sockets[0].getsockname()[1]}/vigil'}})
    api('PATCH', '/api/v1/alerts/rules/system_down', {'channels': [channel['id']], 'cooldownMinutes': 0})
    monitor = api('POST', '/api/v1/monitors', {'name': 'bench-down', 'url': f'http://127.0.0.1:{port}/health', 'intervalSeconds': INTERVAL,
                                               'timeoutSeconds': 5, 'retries': 1, 'retryIntervalSeconds': retry_interval})
    mid = monitor['id']
    wait_for(lambda: api('GET', f'/api/v1/monitors/{mid}')['state']['status'] == 'up', 'the first check')

    def webhook(status, since):
        return next((at for at, body in webhooks if at >= since and body.get('status') == status
                     and body.get('labels', {}).get('monitor_id') == mid), None)

    def deciding_check(status, since):
        for check in api('GET', f'/api/v1/monitors/{mid}/checks?limit=10')['checks']:
            if check['status'] == status and checked_at(check['checkedAt']) >= since - 0.005:
                return checked_at(check['checkedAt'])
        return None

    down, down_pipe, up, up_pipe = [], [], [], []
    print(f'monitor at {INTERVAL} s, retries 1 every {retry_interval} s, {background} background monitors; {load_note()}')
    for cycle in range(cycles):
        time.sleep(random.uniform(0, INTERVAL))  # a random phase against the monitor's schedule
        off = time.time()
        close(switched)
        fired = wait_for(lambda: webhook('firing', off), f'cycle {cycle}: the firing webhook')
        check = wait_for(lambda: deciding_check('down', off), f'cycle {cycle}: the down check')
        down.append(fired - off)
        down_pipe.append(fired - check)
        time.sleep(random.uniform(0, INTERVAL))
        on = time.time()
        switched = listen(target, port)
        resolved = wait_for(lambda: webhook('resolved', on), f'cycle {cycle}: the resolved webhook')
        check = wait_for(lambda: deciding_check('up', on), f'cycle {cycle}: the up check')
        up.append(resolved - on)
        up_pipe.append(resolved - check)
        print(f'cycle {cycle + 1:2}: down -> firing {down[-1]:6.2f} s (after the down check {1000 * down_pipe[-1]:5.0f} ms)   '
              f'up -> resolved {up[-1]:6.2f} s (after the up check {1000 * up_pipe[-1]:5.0f} ms)', flush=True)

    def summary(values, unit=1.0, fmt='{:.2f} s'):
        return '  '.join(f'{name} {fmt.format(unit * v)}' for name, v in
                         (('min', min(values)), ('p50', statistics.median(values)), ('p95', quantile(values, 0.95)), ('max', max(values))))
    print(f'over {cycles} cycles; {load_note()} at the end')
    print(f'target off -> firing webhook:   {summary(down)}')
    print(f'  down check stored -> webhook: {summary(down_pipe, 1000, "{:.0f} ms")}')
    print(f'target on -> resolved webhook:  {summary(up)}')
    print(f'  up check stored -> webhook:   {summary(up_pipe, 1000, "{:.0f} ms")}')
    print(f'webhooks received {len(webhooks)} (expected {2 * cycles})')


try:
    wait_ready()
    mode = sys.argv[1] if len(sys.argv) > 1 else 'load'
    args = [int(a) for a in sys.argv[2:]]
    if mode == 'load':
        measure_load(*(args + [1000, 240][len(args):]))
    elif mode == 'down':
        measure_down(*(args + [20, 1, 0][len(args):]))
    else:
        sys.exit(__doc__)
finally:
    server.terminate()
    server.wait(30)
