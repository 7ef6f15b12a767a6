"""A prototype, not a rule Vigil has: traffic (and, with `--kind errors`, server errors) judged by
a sequential test instead of windows.

For planning issue 12's next step (see docs/BENCHMARKS.md, "Against a detector that knows the
model"). Per service, each minute's request count is weighed against the usual rate for the minute,
learned as the mean of the same hour in the one or two weeks before (with `--days-like`, also of
the same hour of the days before of the same kind, weekdays or weekend days, up to a week back),
interpolated between hours at the minute but not across midnight into a day of another kind (not
at all with `--no-interpolate`), by Page's CUSUM
of the log-likelihood ratio of a drop to `--drop` times the usual rate (and, apart, a surge to
`--surge` times): the count is taken as negative binomial around the rate, with a relative spread
of `--phi` beyond Poisson for the minute-to-minute noise and the baseline's own error. A firing
starts when the sum (capped at twice `--h`) reaches `--h` and ends when it falls under half of it
(then 15 minutes' cooldown). The first week, without history, is not judged.

Two steps. First, on a server backfilled by detect.py (the counts are read once through
GET /api/v1/series and cached beside the result file), write a result file whose three traffic
rules' episodes (Traffic Drop, Sudden Traffic Drop, Traffic Surge) are replaced by the prototype's:

  cd bench/detection && python3 sequential_prototype.py results/full-days21-eighth-pass.json \\
      /tmp/seq-s1.json --base http://127.0.0.1:5091 --days-like

With `--kind errors` the two service error rules (Error Rate Anomaly, Sustained Error Rate) are
replaced instead, by a CUSUM per size of change of each minute's 5xx count (see error_episodes).

Then compare the traffic (or `--kind errors`) incidents and the replaced rules' false firings,
pooled over scenarios (no server):

  python3 sequential_prototype.py --table \\
      --shipped results/full-days21-eighth-pass.json ... --prototype /tmp/seq-s1.json ...
"""
import argparse, json, math, os, statistics, sys, urllib.parse, urllib.request
from datetime import timedelta

import detect
import oracle
import scenario as scen

TRAFFIC_RULES = ['Traffic Drop', 'Sudden Traffic Drop', 'Traffic Surge']
PROTOTYPE_RULES = ['Sequential Traffic Drop', 'Sequential Traffic Surge']
KINDS = ['traffic to 1/4', 'traffic to 0 (stopped)', 'traffic x2', 'traffic x3']
ERROR_RULES = ['Error Rate Anomaly', 'Sustained Error Rate']
ERROR_PROTOTYPE_RULES = ['Sequential Error Rate']
ERROR_KINDS = ['errors 3%', 'errors 8%', 'errors 15%']


def fetch_counts(base, key, service, start, end, status=None):
    """{minute since start: requests} of a service (of one status, given one), summed over its
    series, a day per query."""
    counts = {}
    t = start
    while t < end:
        u = min(end, t + timedelta(days=1))
        q = urllib.parse.urlencode({'metric': scen.METRIC, 'match[service]': service, 'agg': 'count',
                                    'from': int(t.timestamp()), 'to': int(u.timestamp()), 'step': '60s',
                                    **({'match[status]': status} if status else {})})
        req = urllib.request.Request(f'{base}/api/v1/series?{q}', headers={'Authorization': f'Bearer {key}'})
        with urllib.request.urlopen(req, timeout=120) as r:
            body = json.load(r)
        for s in body['series']:
            for ts, v in s['points']:
                m = int((ts - start.timestamp()) // 60)
                counts[m] = counts.get(m, 0) + v
        t = u
    return counts


def like_hours(sc, day, hour, days_like):
    """The hours the usual value of (day, hour) is learned from: the same hour in the weeks before
    (up to two), and with `days_like` also on the days before of the same kind (weekday or
    weekend, up to a week back)."""
    hours = [(day - 7 * w, hour) for w in (1, 2) if day - 7 * w >= 0]
    if days_like:
        weekend = sc.weekday(day) >= 5
        hours += [(day - k, hour) for k in range(1, 7) if day - k >= 0 and (sc.weekday(day - k) >= 5) == weekend]
    return hours


def usual_rate(sc, hourly, day, minute_of_day, days_like, interpolate=True):
    """The usual requests a minute: the mean of the like hours (`like_hours`), interpolated between
    hours at the minute (hourly means stand at the half hour)."""
    def hour_mean(hour_index):
        values = [hourly[x] for x in like_hours(sc, *divmod(hour_index, 24), days_like)]
        return sum(values) / len(values) if values else None

    own = day * 24 + minute_of_day // 60
    if not interpolate:
        return hour_mean(own)
    position = minute_of_day / 60.0 - 0.5
    low = math.floor(position)
    a, b = hour_mean(day * 24 + low), hour_mean(day * 24 + low + 1)
    other = day * 24 + low if day * 24 + low != own else day * 24 + low + 1
    if a is None or b is None or (sc.weekday(other // 24) >= 5) != (sc.weekday(day) >= 5):
        return hour_mean(own)  # no neighbour to lean to, or one on another kind of day (the weekend starts at midnight)
    return a + (b - a) * (position - low)


def firing_episodes(sums, h):
    """(first minute, end minute) of each firing, from (minute, sum) in time order: a firing starts
    when the sum reaches h and ends when it falls under h / 2, then 15 minutes' cooldown."""
    episodes, start, cooldown_until, last = [], None, -1, None
    for m, s in sums:
        last = m
        if start is None and s >= h and m > cooldown_until:
            start = m
        elif start is not None and s < h / 2:
            episodes.append((start, m))
            start, cooldown_until = None, m + 15
    if start is not None:
        episodes.append((start, last + 1))
    return episodes


def cusum_episodes(sc, counts, factor, h, phi, days_like=False, interpolate=True):
    """The episodes of one service's CUSUM for `factor` times the usual rate."""
    k = 1.0 / phi ** 2
    hourly = {(day, hour): sum(counts.get(day * 1440 + hour * 60 + i, 0) for i in range(60)) / 60.0
              for day in range(sc.days) for hour in range(24)}

    def sums():
        s = 0.0
        for m in range(7 * 1440, sc.days * 1440):
            day, mod = divmod(m, 1440)
            m0, n = usual_rate(sc, hourly, day, mod, days_like, interpolate) or 0.0, counts.get(m, 0)
            if m0 <= 0.05:
                llr = -1.0 if n > 0 else 0.0  # an hour that usually has no traffic: no drop to find, and a request or two is no surge
            else:
                llr = oracle.negative_binomial_llr(n, m0, m0 * factor, k)
            s = min(2 * h, max(0.0, s + llr))  # capped, so a firing ends soon after the traffic is back
            yield m, s

    return firing_episodes(sums(), h)


def error_episodes(sc, requests, errors, h, deltas):
    """The episodes of one service's error test: each minute's 5xx count against the usual error
    rate, pooled over the like hours (`like_hours`, days of the same kind included; with one error
    and 200 requests added, so a quiet hour's rate is not 0), one CUSUM per size of change
    (`deltas`, points added to the usual rate, or three times it if more), each minute's part
    capped at h / 2 (a one-minute blip of errors cannot fire it alone), the sum at 2h."""
    hourly = {(d, hour): (sum(requests.get(d * 1440 + hour * 60 + i, 0) for i in range(60)),
                          sum(errors.get(d * 1440 + hour * 60 + i, 0) for i in range(60)))
              for d in range(sc.days) for hour in range(24)}

    def sums():
        totals = [0.0] * len(deltas)
        for m in range(7 * 1440, sc.days * 1440):
            day, mod = divmod(m, 1440)
            past = like_hours(sc, day, mod // 60, days_like=True)
            p0 = max(0.001, (sum(hourly[x][1] for x in past) + 1) / (sum(hourly[x][0] for x in past) + 200))
            n, e = requests.get(m, 0), errors.get(m, 0)
            for j, delta in enumerate(deltas):
                p1 = min(0.9, max(p0 + delta, 3 * p0))
                llr = e * math.log(p1 / p0) + (n - e) * math.log((1 - p1) / (1 - p0))
                totals[j] = min(2 * h, max(0.0, totals[j] + min(h / 2, llr)))
            yield m, max(totals)

    return firing_episodes(sums(), h)


def cached_counts(path, fetch):
    if os.path.exists(path):
        with open(path) as f:
            return {name: {int(m): v for m, v in c.items()} for name, c in json.load(f).items()}
    data = fetch()
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


def write_prototype(args):
    result, sc, _, _ = detect.load_result(args.result)
    stem = os.path.splitext(args.result)[0]
    requests = cached_counts(stem + '.counts.json', lambda: {s.name: fetch_counts(args.base, args.key, s.name, sc.start, sc.end) for s in sc.services})
    if args.kind == 'errors':
        errors = cached_counts(stem + '.errors.json', lambda: {s.name: fetch_counts(args.base, args.key, s.name, sc.start, sc.end, '500') for s in sc.services})
        replaced = {ERROR_PROTOTYPE_RULES[0]: lambda s: error_episodes(sc, requests[s.name], errors[s.name], args.h, args.deltas)}
        old_rules, what = ERROR_RULES, f'the service error rules replaced by the sequential prototype (h {args.h}, deltas {args.deltas})'
    else:
        replaced = {rule: (lambda s, factor=factor: cusum_episodes(sc, requests[s.name], factor, args.h, args.phi, args.days_like, not args.no_interpolate))
                    for rule, factor in zip(PROTOTYPE_RULES, (args.drop, args.surge))}
        old_rules, what = TRAFFIC_RULES, (f'the traffic rules replaced by the sequential prototype (h {args.h}, drop {args.drop}, surge {args.surge}, '
                                          f'phi {args.phi}{", days like" if args.days_like else ""}{", not interpolated" if args.no_interpolate else ""})')
    for rule in old_rules:
        result['episodes'].pop(rule, None)
    for rule, episodes in replaced.items():
        result['episodes'][rule] = [
            {'labels': {'service': s.name}, 'start': detect.iso(sc.start + timedelta(minutes=a + 1)),
             'end': detect.iso(sc.start + timedelta(minutes=b + 1)), 'value': None, 'threshold': None}
            for s in sc.services for a, b in episodes(s)]
    result['rules_source'] += ' with ' + what
    with open(args.out, 'w') as f:
        json.dump(result, f)
    print(f'wrote {args.out}')


def table(shipped, prototype, kind='traffic'):
    """Traffic (or error) incidents found and their delays, and the replaced rules' false firings
    before and in the incident week, pooled over the scenarios."""
    kinds, rules, prototype_rules = (KINDS, TRAFFIC_RULES, PROTOTYPE_RULES) if kind == 'traffic' else (ERROR_KINDS, ERROR_RULES, ERROR_PROTOTYPE_RULES)

    def gather(files, rules):
        delays, false_before, false_during = {k: [] for k in kinds}, 0, 0
        for name in files:
            _, sc, per_rule, scored_from = detect.load_result(name)
            per = {n: per_rule[n] for n in rules}
            for inc in detect.score(sc, per, scored_from)['incident_list']:
                if inc['variant'] in delays:
                    delays[inc['variant']].append(inc['delay_min'])
            near = [(i['service'], detect.parse(i['start']), detect.parse(i['end']) + detect.GRACE) for i in sc.incidents]
            for eps in per.values():
                for e in eps:
                    if e['start'] >= scored_from and not any(e['labels'].get('service') == s and e['start'] <= b and e['end'] >= a for s, a, b in near):
                        false_before, false_during = (false_before + 1, false_during) if e['start'] < sc.incident_start else (false_before, false_during + 1)
        return delays, false_before, false_during

    a, b = gather(shipped, rules), gather(prototype, prototype_rules)
    print(f'| incident | shipped {kind} rules: found, median delay (p90) | sequential prototype: found, median delay (p90) |')
    print('|---|---|---|')
    for variant in kinds:
        cells = []
        for delays in (a[0][variant], b[0][variant]):
            found = [x for x in delays if x is not None]
            cells.append(f"{len(found)}/{len(delays)}, {statistics.median(found):g} min ({detect.quantile(found, 0.9):g})" if found else f'0/{len(delays)}')
        print(f'| {variant} | {cells[0]} | {cells[1]} |')
    print(f'| false firings before the incident week / in it | {a[1]} / {a[2]} | {b[1]} / {b[2]} |')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('result', nargs='?', help="detect.py's result file of a scenario (its other rules' episodes are kept)")
    ap.add_argument('out', nargs='?', help='the result file to write')
    ap.add_argument('--base', default='http://127.0.0.1:5091', help='the backfilled server (only when the counts are not cached yet)')
    ap.add_argument('--key', default='bench-admin-key-0123456789')
    ap.add_argument('--h', type=float, default=14.0)
    ap.add_argument('--drop', type=float, default=0.4)
    ap.add_argument('--surge', type=float, default=2.0)
    ap.add_argument('--phi', type=float, default=0.25)
    ap.add_argument('--days-like', action='store_true', help='learn from the days before of the same kind too, not only the same hour of past weeks')
    ap.add_argument('--no-interpolate', action='store_true', help="take an hour's mean for each of its minutes")
    ap.add_argument('--kind', choices=['traffic', 'errors'], default='traffic', help='which rules the prototype replaces')
    ap.add_argument('--deltas', type=float, nargs='+', default=[0.02, 0.07], help='errors: the sizes of change tested, added to the usual rate')
    ap.add_argument('--table', action='store_true')
    ap.add_argument('--shipped', nargs='*', default=[])
    ap.add_argument('--prototype', nargs='*', default=[])
    args = ap.parse_args()
    if args.table:
        table(args.shipped, args.prototype, args.kind)
    elif args.result and args.out:
        write_prototype(args)
    else:
        ap.error('give RESULT and OUT, or --table with --shipped and --prototype files')


if __name__ == '__main__':
    sys.exit(main())
