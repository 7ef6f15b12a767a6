#!/usr/bin/env python3
"""Detection quality of alert rules on generated traffic with labelled incidents (docs/BENCHMARKS.md,
"Detection quality"). Python 3 standard library only; see bench/detection/README.md.

Starts nothing: point it at a fresh server started with
`Vigil__Auth__BootstrapAdminKey=bench-admin-key-0123456789`:

    python3 bench/detection/detect.py http://127.0.0.1:5090 --corpus small
    python3 bench/detection/detect.py http://127.0.0.1:5090 --corpus small --skip-backfill \\
        --rules bench/detection/rules-handwritten.json --label handwritten

1. Backfills the scenario (scenario.py) through `POST /api/v1/metrics`: one timing point per
   request, batches of whole minutes (at most 10 000 points), two requests in flight.
2. Replays each rule through `POST /api/v1/alerts/rules/test?from&to&step=1m` over the scenario
   (its first hour left out: windows fill up), in 24-hour chunks each asked from 3 hours earlier
   (the warm-up's state changes dropped), split further when the server refuses one (422 cost
   budget, 503 timeout, or a 200 cut short by the timeout). Default rules: the server's own
   (`GET /api/v1/alerts/rules`), of the metric the scenario sends; or a rules file.
3. Scores: recall per incident kind and size (an incident is detected when a firing starts, for a
   group that names the incident's service alone, within [start, end + 5 min]), detection delay
   (median, p90), precision (a firing that overlaps no incident of its group's services, end +
   5 min included, is false), false firings per service per week on the incident-free days, and
   the recall "by chance" (the same windows moved into the incident-free days). Prints tables,
   writes a JSON and a text file.

A group spans the services that have a series carrying every label of the group: a group by
service names one; so does a group by route, as routes here are per service; an ungrouped rule's
single group spans them all (credited for each in the lenient recall only).
"""
import argparse, json, os, statistics, sys, threading, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenario as scen  # noqa: E402

RULE_FIELDS = ['name', 'description', 'type', 'metric', 'match', 'groupBy', 'aggregation', 'windowMinutes', 'minDataPoints',
               'noData', 'thresholdType', 'threshold', 'baselineMultiplier', 'baselineDays', 'sensitivity', 'anomalyMethod', 'minChange', 'unlessUsual',
               'comparison', 'forSeconds', 'metMinutes', 'ofMinutes', 'trimMinutes', 'recoveryThreshold', 'severity', 'cooldownMinutes', 'repeatIntervalMinutes', 'labels', 'enabled']
GRACE = timedelta(minutes=5)
INCIDENT = timedelta(minutes=scen.INCIDENT_MINUTES)
WARM_UP = timedelta(hours=1)         # not scored at the scenario's start: windows fill up
CHUNK_WARM_UP = timedelta(hours=3)   # each replay chunk is asked from this much earlier


def iso(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def parse(s):
    return datetime.fromisoformat(s.replace('Z', '+00:00'))


class Api:
    def __init__(self, base, key):
        self.base, self.key = base.rstrip('/'), key

    def call(self, method, path, body=None, raw=None, timeout=600):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        for attempt in range(60):
            req = urllib.request.Request(self.base + path, method=method, data=data,
                                         headers={'Authorization': f'Bearer {self.key}', 'Content-Type': 'application/json'})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    text = r.read()
                    try:
                        return r.status, (json.loads(text) if text else None)
                    except ValueError:
                        # A 200 whose body stops mid-way: the server's query timeout cut the
                        # response while it was written (chunked, so it still ends "cleanly").
                        return 599, {'title': f'a {r.status} answer cut after {len(text):,} bytes', 'truncated': True}
            except urllib.error.HTTPError as e:
                text = e.read()
                if e.code == 429:  # query slots or rate quota: wait as told
                    time.sleep(float(e.headers.get('Retry-After') or 1))
                    continue
                try:
                    return e.code, json.loads(text)
                except ValueError:
                    return e.code, {'detail': text.decode(errors='replace')}
        raise RuntimeError(f'{method} {path}: still 429 after 60 attempts')


# ---------------------------------------------------------------- backfill

def backfill(api, sc, max_points=10_000, in_flight=2):
    started = time.monotonic()
    sent = [0, 0]
    errors = []
    lock = threading.Lock()

    def post(lines):
        status, body = api.call('POST', '/api/v1/metrics', raw=('{"points":[' + ','.join(lines) + ']}').encode())
        with lock:
            if status != 202:
                errors.append((status, body))
            else:
                sent[0] += body['accepted']
                sent[1] += 1

    pending, batch = [], []
    first = True
    with ThreadPoolExecutor(in_flight) as pool:
        for minute, lines in sc.minutes():
            if batch and len(batch) + len(lines) > max_points:
                if first:  # the first batch creates the series: alone, before the rest run in parallel
                    post(batch)
                    first = False
                else:
                    pending.append(pool.submit(post, batch))
                    while len([f for f in pending if not f.done()]) >= in_flight * 2:
                        time.sleep(0.01)
                    pending = [f for f in pending if not f.done()]
                batch = []
            batch.extend(lines)
            if errors:
                raise RuntimeError(f'ingest refused a batch: {errors[0]}')
            if minute % 1440 == 1439:
                print(f'  backfilled day {minute // 1440 + 1}/{sc.days}: {sent[0]:,} points, {time.monotonic() - started:.0f} s', flush=True)
        if batch:
            pending.append(pool.submit(post, batch))
        for f in pending:
            f.result()
    if errors:
        raise RuntimeError(f'ingest refused a batch: {errors[0]}')
    return dict(points=sent[0], requests=sent[1], seconds=round(time.monotonic() - started, 1))


# ---------------------------------------------------------------- replay

def rule_body(rule):
    return {k: rule[k] for k in RULE_FIELDS if k in rule and rule[k] is not None}


def replay(api, rule, start, end, chunk=None):
    """Every state change of the rule over [start, end), merged over chunks if the server asks for less."""
    body = rule_body(rule)
    chunks = [(start, end)] if chunk is None else _chunks(start, end, chunk)
    events, calls, seconds, cut = [], 0, 0.0, []
    i = 0
    while i < len(chunks):
        c_from, c_to = chunks[i]
        ask_from = c_from if c_from == start else max(start, c_from - CHUNK_WARM_UP)
        t0 = time.monotonic()
        status, answer = api.call('POST', f'/api/v1/alerts/rules/test?from={iso(ask_from)}&to={iso(c_to)}&step=1m', body)
        seconds += time.monotonic() - t0
        calls += 1
        if status == 599 or (status in (422, 503) and (answer.get('cost') or answer.get('status') == 503 or 'Timeout' in str(answer))):
            if status != 422:
                cut.append(f'{iso(c_from)}..{iso(c_to)}: {status} {answer.get("title")}')
            # Over the cost budget or the time limit: split the range by the ratio the server gave.
            parts = max(2, int(answer.get('cost', 0) / answer.get('maxCost', 1) * 1.3) + 1) if answer.get('cost') else 2
            step = (c_to - c_from) / parts
            if step < timedelta(hours=2):
                raise RuntimeError(f'rule {rule.get("name")}: the server refuses even a short range: {answer}')
            chunks[i:i + 1] = [(c_from + step * k, c_from + step * (k + 1) if k < parts - 1 else c_to) for k in range(parts)]
            print(f'    {rule.get("name")}: {status} ({answer.get("title")}); splitting the range in {parts}', flush=True)
            continue
        if status != 200:
            raise RuntimeError(f'rule {rule.get("name")}: {status} {answer}')
        events.extend(e for e in answer['history'] if c_from <= parse(e['at']) < c_to)
        i += 1
    return events, dict(calls=calls, seconds=round(seconds, 2), chunks=len(chunks), refused=cut)


def _chunks(start, end, size):
    out, t = [], start
    while t < end:
        out.append((t, min(end, t + size)))
        t += size
    return out


def episodes(events, end):
    """Firing episodes per group: (labels, start, end) from the replayed state changes."""
    open_, out = {}, []
    for e in sorted(events, key=lambda e: e['at']):
        key = tuple(sorted(e['labels'].items()))
        if e['to'] == 'firing' and e['from'] != 'firing' and key not in open_:
            open_[key] = (dict(e['labels']), parse(e['at']), e['value'], e['threshold'])
        elif e['to'] == 'resolved' and key in open_:
            labels, s, v, th = open_.pop(key)
            out.append(dict(labels=labels, start=s, end=parse(e['at']), value=v, threshold=th))
    for labels, s, v, th in open_.values():
        out.append(dict(labels=labels, start=s, end=end, value=v, threshold=th))
    return out


# ---------------------------------------------------------------- scoring

def services_of(labels, series_labels):
    return {svc for svc, sets in series_labels.items() if any(all(ls.get(k) == v for k, v in labels.items()) for ls in sets)}


def quantile(values, q):
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(-(-q * len(values) // 1)) - 1))  # nearest rank
    return values[k]


def score(sc, per_rule, scored_from=None):
    series_labels = sc.series_labels()
    incidents = [dict(i, start_t=parse(i['start']), end_t=parse(i['end'])) for i in sc.incidents]
    scored_from = scored_from or sc.start + WARM_UP
    all_eps = []
    for rule_name, eps in per_rule.items():
        for e in eps:
            if e['start'] < scored_from:
                continue
            e = dict(e, rule=rule_name, services=services_of(e['labels'], series_labels))
            all_eps.append(e)

    # Recall and delay: a firing detects an incident when its group names the incident's service
    # alone; the lenient count also credits groups that span several services (ungrouped rules).
    for inc in incidents:
        near = [e for e in all_eps if inc['service'] in e['services'] and inc['start_t'] <= e['start'] <= inc['end_t'] + GRACE]
        hits = sorted((e for e in near if len(e['services']) == 1), key=lambda e: e['start'])
        inc['detected'] = bool(hits)
        inc['detected_lenient'] = bool(near)
        inc['delay_min'] = (hits[0]['start'] - inc['start_t']).total_seconds() / 60 if hits else None
        inc['detected_by'] = sorted({e['rule'] for e in hits})
        inc['lenient_by'] = sorted({e['rule'] for e in near if len(e['services']) > 1})
    # Chance: the same windows moved back by whole weeks (whole days when the incident-free part
    # is shorter than a week) into the incident-free days, same service and hour: how often a
    # firing starts there tells how much of the recall a noisy rule set gets by luck.
    placebo = []
    for inc in incidents:
        shift = timedelta(days=7) if sc.incident_start - scored_from >= timedelta(days=7) else timedelta(days=1)
        t = inc['start_t']
        while t + INCIDENT + GRACE > sc.incident_start:
            t -= shift
        if t >= scored_from:
            placebo.append(any(inc['service'] in e['services'] and len(e['services']) == 1 and t <= e['start'] <= t + INCIDENT + GRACE
                               for e in all_eps))
    # Precision.
    for e in all_eps:
        e['true'] = any(i['service'] in e['services'] and e['start'] <= i['end_t'] + GRACE and e['end'] >= i['start_t'] for i in incidents)
    true_eps = sum(e['true'] for e in all_eps)
    quiet_weeks = (sc.incident_start - scored_from).total_seconds() / (7 * 86400)
    quiet_false = [e for e in all_eps if not e['true'] and e['start'] < sc.incident_start]

    by_variant = []
    for kind, size, label in scen.VARIANTS:
        incs = [i for i in incidents if i['variant'] == label]
        delays = [i['delay_min'] for i in incs if i['detected']]
        by_variant.append(dict(variant=label, kind=kind, size=size, incidents=len(incs), detected=sum(i['detected'] for i in incs),
                               recall=round(sum(i['detected'] for i in incs) / len(incs), 3) if incs else None,
                               delay_median_min=round(statistics.median(delays), 1) if delays else None,
                               delay_p90_min=round(quantile(delays, 0.9), 1) if delays else None,
                               by_context={c: '%d/%d' % (sum(i['detected'] for i in incs if i['context'] == c),
                                                         sum(1 for i in incs if i['context'] == c))
                                           for c in sc.spec['contexts']}))
    rules = []
    for rule_name in per_rule:
        eps = [e for e in all_eps if e['rule'] == rule_name]
        rules.append(dict(rule=rule_name, firings=len(eps), true=sum(e['true'] for e in eps), false=sum(not e['true'] for e in eps),
                          false_incident_free=sum(1 for e in quiet_false if e['rule'] == rule_name),
                          detected=sum(1 for i in incidents if rule_name in i['detected_by'])))
    delays = [i['delay_min'] for i in incidents if i['detected']]
    return dict(
        incidents=len(incidents), detected=sum(i['detected'] for i in incidents),
        recall=round(sum(i['detected'] for i in incidents) / len(incidents), 3) if incidents else None,
        recall_lenient=round(sum(i['detected_lenient'] for i in incidents) / len(incidents), 3) if incidents else None,
        chance_recall=round(sum(placebo) / len(placebo), 3) if placebo else None, chance_windows=len(placebo),
        firings=len(all_eps), true_firings=true_eps, false_firings=len(all_eps) - true_eps,
        precision=round(true_eps / len(all_eps), 3) if all_eps else None,
        delay_median_min=round(statistics.median(delays), 1) if delays else None,
        delay_p90_min=round(quantile(delays, 0.9), 1) if delays else None,
        incident_free_weeks=round(quiet_weeks, 2),
        false_firings_incident_free=len(quiet_false),
        false_per_service_week=round(len(quiet_false) / (len(sc.services) * quiet_weeks), 2) if quiet_weeks > 0 else None,
        by_variant=by_variant, by_rule=rules,
        incident_list=[{k: v for k, v in i.items() if k not in ('start_t', 'end_t')} for i in incidents],
        false_examples=[dict(rule=e['rule'], labels=e['labels'], start=iso(e['start']), end=iso(e['end']), value=e['value'],
                             threshold=e['threshold']) for e in sorted((e for e in all_eps if not e['true']), key=lambda e: e['start'])[:40]])


def report(result):
    s = result['score']
    out = [f"rule set: {result['rules_source']} ({len(result['rules'])} rules replayed)",
           f"corpus {result['scenario']['corpus']} seed {result['scenario']['seed']}: {len(result['scenario']['services'])} services, "
           f"{result['scenario']['days']} days ({result['scenario']['start']} .. {result['scenario']['end']}), "
           f"incident-free until {result['scenario']['incident_free_until']}",
           '',
           f"{'incident':<24} {'n':>3} {'found':>5} {'recall':>7} {'delay p50':>10} {'delay p90':>10}  by context",
           '-' * 90]
    for v in s['by_variant']:
        if not v['incidents']:
            continue
        med = '-' if v['delay_median_min'] is None else f"{v['delay_median_min']:.1f} min"
        p90 = '-' if v['delay_p90_min'] is None else f"{v['delay_p90_min']:.1f} min"
        ctx = ' '.join(f'{c} {x}' for c, x in v['by_context'].items())
        out.append(f"{v['variant']:<24} {v['incidents']:>3} {v['detected']:>5} {v['recall']:>7.2f} {med:>10} {p90:>10}  {ctx}")
    out.append('-' * 90)
    med = '-' if s['delay_median_min'] is None else f"{s['delay_median_min']:.1f} min"
    p90 = '-' if s['delay_p90_min'] is None else f"{s['delay_p90_min']:.1f} min"
    out.append(f"{'all':<24} {s['incidents']:>3} {s['detected']:>5} {s['recall']:>7.2f} {med:>10} {p90:>10}")
    prec = '-' if s['precision'] is None else f"{s['precision']:.2f}"
    out.append(f"(counting firings of groups that span several services, e.g. ungrouped rules, for each of them: "
               f"recall {s['recall_lenient']:.2f})")
    if s.get('chance_recall') is not None:
        out.append(f"(by chance: the same {s['chance_windows']} windows moved into the incident-free days, same service and hour, "
                   f"'detected' {s['chance_recall']:.2f})")
    out += ['', f"firings {s['firings']}: {s['true_firings']} on incidents, {s['false_firings']} false; precision {prec}",
            f"incident-free traffic: {s['false_firings_incident_free']} false firings over {s['incident_free_weeks']} weeks x "
            f"{len(result['scenario']['services'])} services = {s['false_per_service_week']} per service per week", '',
            f"{'rule':<40} {'firings':>8} {'true':>6} {'false':>6} {'false, quiet days':>18} {'incidents found':>16}"]
    for r in s['by_rule']:
        out.append(f"{r['rule'][:40]:<40} {r['firings']:>8} {r['true']:>6} {r['false']:>6} {r['false_incident_free']:>18} {r['detected']:>16}")
    return '\n'.join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('base', nargs='?', help='the server, e.g. http://127.0.0.1:5090')
    p.add_argument('--key', default='bench-admin-key-0123456789', help='an admin (or ingest + viewer) API key')
    p.add_argument('--corpus', choices=sorted(scen.CORPORA), default='small')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--days', type=int, help='override the corpus length in days')
    p.add_argument('--end', help='the scenario end (ISO-8601 UTC; default the last midnight at least 90 min ago); '
                                 'give the same one to --skip-backfill runs on another day')
    p.add_argument('--rules', help='a JSON file of rule bodies ({"rules": [...]} or a list); default: the server\'s rules')
    p.add_argument('--label', help='a name for the rule set in the output (default: "server defaults" or the file name)')
    p.add_argument('--skip-backfill', action='store_true', help='the server already holds this scenario')
    p.add_argument('--chunk-hours', type=float, default=24,
                   help='replay in chunks of this many hours (default 24; 0: the whole range at once); a chunk the server refuses '
                        '(422 cost, 503 timeout, or a 200 cut short by the timeout) is split further')
    p.add_argument('--replay-days', type=float,
                   help='replay (and score) only the last N days of the scenario (the rules still warm up on what came before)')
    p.add_argument('--out', help='the JSON result file (default bench/detection/results/<corpus>-<label>.json)')
    p.add_argument('--min-recall', type=float, help='exit 1 when any incident variant\'s recall is below this (a CI gate)')
    p.add_argument('--min-precision', type=float, help='exit 1 when the precision is below this (a CI gate)')
    p.add_argument('--rescore', metavar='RESULT_JSON', help='score the firings saved in a result file again (after a change of the scoring); needs no server')
    p.add_argument('--describe', action='store_true', help='print the scenario (services, incidents) and stop; needs no server')
    a = p.parse_args()

    if a.rescore:
        result, sc, per_rule, scored_from = load_result(a.rescore)
        result['score'] = score(sc, per_rule, scored_from)
        write(result, a.out or a.rescore)
        gate(result, a)
        return
    sc = scen.Scenario(a.corpus, a.seed, end=parse(a.end) if a.end else None, days=a.days)
    if a.describe:
        print(json.dumps(sc.describe(), indent=1))
        return
    api = Api(a.base, a.key)
    status, _ = api.call('GET', '/api/health?quick=true')
    if status != 200:
        sys.exit(f'{a.base}: health answered {status}')

    backfilled = None
    if not a.skip_backfill:
        print(f'backfilling corpus {a.corpus} ({len(sc.services)} services x {sc.days} days, {sc.start:%Y-%m-%d} .. {sc.end:%Y-%m-%d})', flush=True)
        backfilled = backfill(api, sc)
        print(f"  {backfilled['points']:,} points in {backfilled['requests']} requests, {backfilled['seconds']} s "
              f"({backfilled['points'] / max(backfilled['seconds'], 0.001):,.0f} points/s)", flush=True)

    if a.rules:
        with open(a.rules) as f:
            doc = json.load(f)
        rules = doc['rules'] if isinstance(doc, dict) else doc
        source = a.label or os.path.splitext(os.path.basename(a.rules))[0]
    else:
        status, rules = api.call('GET', '/api/v1/alerts/rules')
        if status != 200:
            sys.exit(f'GET /api/v1/alerts/rules answered {status}: {rules}')
        source = a.label or 'server defaults'
    skipped = [r['name'] for r in rules if r.get('metric') != scen.METRIC or r.get('enabled') is False]
    rules = [r for r in rules if r.get('metric') == scen.METRIC and r.get('enabled') is not False]
    print(f'replaying {len(rules)} rules of {scen.METRIC} ({len(skipped)} rules of other metrics left out)', flush=True)

    per_rule, timings = {}, {}
    replay_from = sc.start + WARM_UP if not a.replay_days else max(sc.start + WARM_UP, sc.end - timedelta(days=a.replay_days))
    for r in rules:
        events, t = replay(api, r, replay_from, sc.end, timedelta(hours=a.chunk_hours) if a.chunk_hours > 0 else None)
        per_rule[r['name']] = episodes(events, sc.end)
        timings[r['name']] = t
        print(f"  {r['name']}: {len(events)} state changes, {len(per_rule[r['name']])} firings; {t['calls']} calls, {t['seconds']} s", flush=True)

    episodes_out = {name: [dict(e, start=iso(e['start']), end=iso(e['end'])) for e in eps] for name, eps in per_rule.items()}
    result = dict(rules_source=source, server=a.base, measured_at=iso(datetime.now(timezone.utc)), scenario=sc.describe(),
                  backfill=backfilled, rules=[rule_body(r) for r in rules], rules_left_out=skipped, replay=timings,
                  scored_from=iso(replay_from), score=score(sc, per_rule, replay_from), episodes=episodes_out)
    write(result, a.out or default_out(a.corpus, source))
    gate(result, a)


def gate(result, a):
    s, failed = result['score'], []
    if a.min_recall is not None:
        failed += [f"{v['variant']}: recall {v['recall']:.2f} < {a.min_recall}" for v in s['by_variant']
                   if v['recall'] is not None and v['recall'] < a.min_recall]
    if a.min_precision is not None and (s['precision'] or 0) < a.min_precision:
        failed.append(f"precision {s['precision']} < {a.min_precision}")
    if failed:
        print('FAILED: ' + '; '.join(failed))
        sys.exit(1)


def load_result(path):
    """A result file: (the result, its scenario, each rule's episodes with their times parsed, the
    time scoring starts from or None)."""
    with open(path) as f:
        result = json.load(f)
    d = result['scenario']
    sc = scen.Scenario(d['corpus'], d['seed'], end=parse(d['end']), days=d['days'])
    per_rule = {name: [dict(e, start=parse(e['start']), end=parse(e['end'])) for e in eps] for name, eps in result['episodes'].items()}
    return result, sc, per_rule, parse(result['scored_from']) if result.get('scored_from') else None


def default_out(corpus, source):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', f"{corpus}-{source.replace(' ', '-').lower()}.json")


def write(result, out):
    text = report(result)
    print()
    print(text)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=1, default=str)
    with open(os.path.splitext(out)[0] + '.txt', 'w') as f:
        f.write(text + '\n')
    print(f'\nwrote {out}')


if __name__ == '__main__':
    main()
