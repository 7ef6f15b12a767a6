"""How soon could a detector that knows the model find each incident? A reference for the
detection-quality tool (see README.md): for every incident of a scenario, a detector that knows
everything a rule has to learn — the service's usual rate for the minute, its error rate, each
route's latency distribution, the incident's kind and size, and how often one-minute spikes and
blips come and how large they are — runs Page's CUSUM of each minute's log-likelihood ratio,
incident against usual, on fresh draws of the incident's minutes from the scenario's own model.
For a lasting change of known size the CUSUM is asymptotically the fastest detector, in the
worst case, at a given mean time to a false alarm (Lorden 1971; exactly so for independent,
identically distributed data, Moustakides 1986). Here the minutes differ (the daily cycle) and an
incident lasts 30 minutes, so it is a near-best reference rather than a proven bound: the rules
are unlikely to do much better. Python 3 standard library only.

The false-alarm budget: where each minute's part is the true log-likelihood ratio of independent
minutes, a CUSUM whose threshold is h raises a false alarm no more often than once in e^h minutes
on average. Latency and errors are tested on the exact ratio of the model, spikes (a minute in 480
is 3-8 times slower) and blips (a minute in 1 440 has 6-12 % errors) included as the mixtures they
are. Traffic is tested on each minute's count as a negative binomial of the same variance (close
to, but not, the generator's Poisson with a log-normal rate), which the bound covers only
approximately. The default h = 13.6 is once in 800 000 minutes (80 weeks) per service and test;
ten tests (one per incident kind and size) then raise about 0.13 false alarms per service and
week, about the rate the shipped rules reach (0-0.13 on seeds 1-5), under issue 12's 1.
`--null-weeks N` measures the false alarms of every test on N weeks of the scenario's own
incident-free traffic, so the budget is checked, not assumed.

  python3 bench/detection/oracle.py --corpus full --days 21 --seed 1 --end 2026-12-04T00:00:00Z
  python3 bench/detection/oracle.py --compare bench/detection/results/full-days21-eighth-pass.json ...
"""
import argparse, math, random, statistics, sys
from collections import defaultdict
from datetime import datetime

import scenario as scen

OVERDISPERSION = 0.12     # the generator's minute-to-minute sigma of the rate (scenario._ServiceStream.emit)
SPIKE_CHANCE = 3 / 1440   # a minute is a spike: about three a day per service, every request 3-8 times slower
BLIP_CHANCE = 1 / 1440    # a minute is a blip: about one a day per service, 6-12 % errors
GRID = 16                 # points over a spike's factor and a blip's error rate (both uniform)
SPIKES = [math.log(3 + 5 * (j + 0.5) / GRID) for j in range(GRID)]
BLIPS = [0.06 + 0.06 * (j + 0.5) / GRID for j in range(GRID)]


def parse(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def log_mix(parts):
    """ln of a mixture: `parts` are (weight, ln likelihood)."""
    top = max(ll for _, ll in parts)
    return top + math.log(sum(w * math.exp(ll - top) for w, ll in parts))


def minute_llr(kind, size, service, rate, n, errors, log_excess):
    """The log-likelihood ratio of one minute, incident against usual: n requests (expected
    `rate`), `errors` of them 500s, `log_excess` the sum over the n requests of ln(latency) minus
    its usual mean (route, status factor 0.6 for 500s and 0.5 for 404s, drift and load known).
    Usual minutes and incident minutes alike may be a spike or a blip, so latency and errors are
    mixtures over them: a spike or a blip is likely under both and moves the ratio little."""
    if kind == 'latency':
        d, var = math.log(size), service.sigma ** 2

        def ll(shift):  # ln likelihood of the minute with every request's log latency moved by shift, against none
            return (shift * log_excess - n * shift * shift / 2) / var

        usual = [(1 - SPIKE_CHANCE, 0.0)] + [(SPIKE_CHANCE / GRID, ll(f)) for f in SPIKES]
        incident = [(1 - SPIKE_CHANCE, ll(d))] + [(SPIKE_CHANCE / GRID, ll(d + f)) for f in SPIKES]
        return log_mix(incident) - log_mix(usual)
    if kind == 'errors':
        def ll(p):
            return errors * math.log(p) + (n - errors) * math.log(1 - p)

        p0, p1 = service.error_rate, size / 100.0
        usual = [(1 - BLIP_CHANCE, ll(p0))] + [(BLIP_CHANCE / GRID, ll(max(p0, b))) for b in BLIPS]
        incident = [(1 - BLIP_CHANCE, ll(p1))] + [(BLIP_CHANCE / GRID, ll(max(p1, b))) for b in BLIPS]
        return log_mix(incident) - log_mix(usual)
    # Traffic: the count is negative binomial around the rate (a Poisson whose rate is log-normal
    # is close to a gamma mixture of the same variance, shape k = 1 / sigma^2), its mean `rate`
    # usually and `size` times it in the incident; a stop is a count of 0, which usually has
    # probability (1 + rate / k)^-k.
    k = 1.0 / OVERDISPERSION ** 2
    if size == 0:
        return k * math.log(1 + rate / k) if n == 0 else -math.inf
    return negative_binomial_llr(n, rate, rate * size, k)


def negative_binomial_llr(n, m0, m1, k):
    """The log-likelihood ratio of a count n, negative binomial of shape k, mean m1 against m0."""
    return n * math.log(m1 * (k + m0) / (m0 * (k + m1))) + k * math.log((k + m0) / (k + m1))


def draw_minute(rng, kind, size, service, rate, in_incident, spike=1.0, blip=0.0):
    """One minute as the generator draws it, reduced to what the tests read: (n, errors,
    log_excess); `spike` and `blip` the minute's one-minute latency factor and error rate (1 and 0 but for a spike or a blip)."""
    actual = rate * math.exp(rng.gauss(0, OVERDISPERSION))
    error_rate, shift = max(service.error_rate, blip), math.log(spike)
    if in_incident:
        if kind == 'latency':
            shift += math.log(size)
        elif kind == 'errors':
            error_rate = max(size / 100.0, blip)
        else:
            actual *= size
    n = scen._poisson(rng, actual)
    errors = sum(1 for _ in range(n) if rng.random() < error_rate) if n < 200 else max(0, min(n, round(rng.gauss(n * error_rate, math.sqrt(n * error_rate * (1 - error_rate))))))
    log_excess = rng.gauss(n * shift, service.sigma * math.sqrt(n)) if n else 0.0
    return n, errors, log_excess


def noise(rng):
    """A minute's spike factor and blip error rate, as often as the generator draws them (1 and 0 mostly)."""
    spike = rng.uniform(3, 8) if rng.random() < SPIKE_CHANCE else 1.0
    blip = rng.uniform(0.06, 0.12) if rng.random() < BLIP_CHANCE else 0.0
    return spike, blip


def cusum_delay(rng, sc, incident, service, h, minutes):
    """Minutes from the incident's start to the oracle's alarm (a minute counts once it is over),
    or None when it does not come within `minutes`."""
    kind, size = incident['kind'], incident['size']
    s = 0.0
    for m in range(minutes):
        minute = incident['start_minute'] + m
        day, mod = divmod(minute, 1440)
        rate = service.expected_rate(day, mod, sc.weekday(day))
        n, errors, excess = draw_minute(rng, kind, size, service, rate, m < scen.INCIDENT_MINUTES, *noise(rng))
        s = max(0.0, s + minute_llr(kind, size, service, rate, n, errors, excess))
        if s >= h:
            return m + 1
    return None


def null_alarms(sc, h, weeks, rng):
    """False alarms per service and week of each test on the scenario's incident-free traffic
    (drawn afresh from its model over its first `weeks` weeks, with its spikes and blips: about
    three spikes and one blip a day, at random minutes)."""
    tests = [(kind, size) for kind, size, _ in scen.VARIANTS]
    counts = defaultdict(int)
    for service in sc.services:
        for kind, size in tests:
            name = f'{kind} {size:g}'
            s = 0.0
            for minute in range(min(weeks * 7, sc.days) * 1440):
                day, mod = divmod(minute, 1440)
                rate = service.expected_rate(day, mod, sc.weekday(day))
                n, errors, excess = draw_minute(rng, kind, size, service, rate, False, *noise(rng))
                s = max(0.0, s + minute_llr(kind, size, service, rate, n, errors, excess))
                if s >= h:
                    counts[name] += 1
                    s = 0.0
    service_weeks = len(sc.services) * min(weeks * 7, sc.days) / 7
    return {f'{k} {v:g}': counts[f'{k} {v:g}'] / service_weeks for k, v in tests}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--corpus', default='full', choices=sorted(scen.CORPORA))
    ap.add_argument('--seed', type=int, nargs='+', default=[1], help='one scenario or several (their incidents pooled)')
    ap.add_argument('--days', type=int)
    ap.add_argument('--end', help='the scenario end (only its weekday shape matters here)')
    ap.add_argument('--h', type=float, default=13.6, help='the CUSUM threshold (false alarms at most once in e^h minutes per test)')
    ap.add_argument('--draws', type=int, default=200, help='fresh draws of each incident')
    ap.add_argument('--null-weeks', type=int, default=0, help='also measure false alarms on this many weeks of clean traffic per scenario')
    ap.add_argument('--incidents', action='store_true', help='print every incident')
    ap.add_argument('--compare', nargs='+', metavar='RESULT_JSON',
                    help="detect.py result files (one per scenario): the rules' detections beside the reference's, per incident kind")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(args.compare, args.h, args.draws)

    window = scen.INCIDENT_MINUTES + 5  # the scoring's grace: a detection up to 5 minutes after the end counts
    per_kind = defaultdict(list)
    print(f"# oracle: {args.corpus}, seeds {' '.join(map(str, args.seed))}, h {args.h} (a false alarm at most once in "
          f"{math.exp(args.h):,.0f} minutes per test), {args.draws} draws per incident")
    for seed in args.seed:
        sc = scen.Scenario(args.corpus, seed, end=parse(args.end) if args.end else None, days=args.days)
        services = {s.name: s for s in sc.services}
        rng = random.Random(f'{seed}/oracle')
        for inc in sc.incidents:
            service = services[inc['service']]
            delays = [cusum_delay(rng, sc, inc, service, args.h, window) for _ in range(args.draws)]
            found = [d for d in delays if d is not None]
            share = len(found) / len(delays)
            median = statistics.median(found) if found else None
            per_kind[inc['variant']].append((share, median, inc))
            if args.incidents:
                print(f"{seed} {inc['variant']:24} {inc['service']:9} {inc['context']:8} {inc['expected_rate']:7.1f}/min  "
                      f"found {share:5.0%}  median {'-' if median is None else f'{median:.1f}'}")
        if args.null_weeks:
            alarms = null_alarms(sc, args.h, args.null_weeks, random.Random(f'{seed}/oracle-null'))
            print(f'seed {seed}: false alarms per service and week on clean traffic: ' + ', '.join(f'{k} {v:.3f}' for k, v in alarms.items()))

    print()
    print('| incident | oracle: found (share of draws) | found in most draws | median delay (of those) |')
    print('|---|---:|---:|---:|')
    for _, _, label in scen.VARIANTS:
        rows = per_kind.get(label)
        if not rows:
            continue
        recall = sum(r[0] for r in rows) / len(rows)
        most = sum(1 for r in rows if r[0] >= 0.5)
        delays = [r[1] for r in rows if r[0] >= 0.5]
        print(f"| {label} | {recall:.2f} | {most}/{len(rows)} | {statistics.median(delays) if delays else '-'} min |")
    return 0


def compare(files, h, draws):
    """The rules' detections (scored from detect.py result files) beside the reference's, per
    incident kind, pooled over the files' scenarios."""
    import detect  # the scoring of the detection-quality tool
    rows = defaultdict(list)
    window = scen.INCIDENT_MINUTES + 5
    for name in files:
        _, sc, per_rule, scored_from = detect.load_result(name)
        scored = detect.score(sc, per_rule, scored_from)
        services = {s.name: s for s in sc.services}
        rng = random.Random(f"{sc.seed}/oracle")
        by_id = {i['id']: i for i in sc.incidents}
        for inc in scored['incident_list']:
            delays = [cusum_delay(rng, sc, by_id[inc['id']], services[inc['service']], h, window) for _ in range(draws)]
            found = [x for x in delays if x is not None]
            rows[inc['variant']].append(dict(seed=sc.seed, service=inc['service'], rate=inc['expected_rate'], found=inc['detected'],
                                             delay=inc['delay_min'], share=len(found) / draws,
                                             reference=statistics.median(found) if found else None))
    print(f"# the rules of {len(files)} result files against the reference (h {h}, {draws} draws per incident)")
    print()
    print('| incident | rules: found | rules: median delay | reference: found in most draws | reference: median delay | '
          'rules\' misses the reference finds | rules − reference delay, median |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    def median(values):
        return f'{statistics.median(values):g} min' if values else '-'
    for _, _, label in scen.VARIANTS:
        v = rows.get(label)
        if not v:
            continue
        most = [x for x in v if x['share'] >= 0.5]
        print(f"| {label} | {sum(x['found'] for x in v)}/{len(v)} | {median([x['delay'] for x in v if x['found']])} | "
              f"{len(most)}/{len(v)} ({sum(x['share'] for x in v) / len(v):.0%} of draws) | {median([x['reference'] for x in most])} | "
              f"{sum(1 for x in v if not x['found'] and x['share'] >= 0.5)} | "
              f"{median([x['delay'] - x['reference'] for x in most if x['found']])} |")
    everything = [x for v in rows.values() for x in v]
    most = [x for x in everything if x['share'] >= 0.5]
    print()
    print(f"reference recall (share of draws found) {sum(x['share'] for x in everything) / len(everything):.3f}; "
          f"it finds {len(most)} of {len(everything)} incidents in most draws, the rules find {sum(x['found'] for x in most)} of those")
    return 0


if __name__ == '__main__':
    sys.exit(main())
