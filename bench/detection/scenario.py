"""Scenario generator of the detection-quality tool (see README.md): per-request traffic of a set of
services, one minute at a time, with labelled incidents. Python 3 standard library only.

The model (all of it deterministic for a seed):
- Each service has routes (a share of the traffic, a median latency, a method) and a peak
  request rate. Requests per minute follow a daily cycle (lowest at 04:00, highest at 16:00,
  shifted by up to +-2 h per service, the night at 3-15 % of the peak), a weekly cycle (Saturday and
  Sunday at 35-80 % of a weekday), a slow drift (+-10 % over 9-20 days) and minute-to-minute
  overdispersion (log-normal, sigma 0.12), drawn from a Poisson distribution.
- Each request's latency is log-normal around its route's median (sigma 0.3-0.55), times a slow
  drift (+-12 %), times a load term (up to +15 % at the peak). A few times a day per service
  (Poisson, mean 3) one minute is a spike: every request of that minute is 3-8x slower.
- Errors: 0.1-0.8 % of requests are `500` (fast: 0.6x the latency), 2 % are `404`; about once a
  day per service one minute has 6-12 % errors (a blip that should not page).
- Incidents (labelled) change one service for 30 minutes: latency x1.5/x1.8/x2.5, errors
  3/8/15 %, traffic to 1/4 or to 0 (the stream stops), traffic x2/x3. They start at peak, trough,
  evening and weekend hours, on services that have at least 5 requests a minute then (an error
  rate over a handful of requests is not an incident anyone can see), at least an hour apart on
  one service, all in the last days; the days before are incident-free.

Weekdays are the scenario's own: the last day is a Friday, whatever the calendar says, so every
run of a corpus has the same shape; only the absolute times move (the scenario ends at the last
UTC midnight at least 90 minutes ago, as ingest takes points at most 30 days old and the backtest
reads the stored 1-minute rollups, which hold points older than the in-memory hour).
"""
import math, random
from datetime import datetime, timedelta, timezone

METRIC = 'http_request_duration_ms'
MINUTE = 60

# Incident kinds and sizes: (kind, size, label).
VARIANTS = [
    ('latency', 1.5, 'latency x1.5'), ('latency', 1.8, 'latency x1.8'), ('latency', 2.5, 'latency x2.5'),
    ('errors', 3.0, 'errors 3%'), ('errors', 8.0, 'errors 8%'), ('errors', 15.0, 'errors 15%'),
    ('drop', 0.25, 'traffic to 1/4'), ('drop', 0.0, 'traffic to 0 (stopped)'),
    ('surge', 2.0, 'traffic x2'), ('surge', 3.0, 'traffic x3'),
]

# Where in the week an incident starts: (name, weekend?, start hours).
CONTEXTS = {
    'peak': (False, range(10, 17)),
    'trough': (False, list(range(0, 6)) + [23]),
    'evening': (False, range(18, 22)),
    'weekend': (True, range(9, 19)),
}

CORPORA = {
    # 3 services x 3 days: day 0 incident-free, incidents on days 1-2, at peak and trough.
    'small': dict(services=3, days=3, incident_days=2, contexts=['peak', 'trough'], peaks=[400, 120, 12]),
    # The CI behaviour test: 3 services x 9 days, a week to learn, a clean day, then one incident
    # of each kind at its clearest size on the last day (the defaults must catch every one).
    'ci': dict(services=3, days=9, incident_days=1, contexts=['peak'], peaks=[200, 80, 30],
               variants=['latency x2.5', 'errors 15%', 'traffic to 0 (stopped)', 'traffic x3']),
    # 12 services x 14 days: an incident-free week, then a week of incidents (--days 21 for two
    # incident-free weeks; ingest of old points runs at about 15 000 points/s on a loaded 2-core machine).
    'full': dict(services=12, days=14, incident_days=7, contexts=['peak', 'trough', 'evening', 'weekend'],
                 peaks=[300, 200, 120, 80, 50, 30, 20, 12, 8, 5, 3, 2]),
}

NAMES = ['checkout', 'search', 'catalog', 'accounts', 'payments', 'cart', 'reviews', 'shipping', 'media', 'admin',
         'reports', 'webhooks', 'billing', 'inventory', 'auth', 'export']
ROUTE_SHAPES = [  # (suffix, method, share, median ms)
    [('', 'GET', 0.7, 1.0), ('/{id}', 'GET', 0.2, 0.6), ('', 'POST', 0.1, 2.2)],
    [('', 'GET', 0.85, 1.0), ('/{id}', 'PUT', 0.15, 1.8)],
    [('/{id}', 'GET', 0.6, 1.0), ('', 'GET', 0.3, 1.5), ('/{id}', 'DELETE', 0.1, 0.8)],
]

INCIDENT_MINUTES = 30
GAP_MINUTES = 60          # between incidents of one service
MIN_RATE = 5.0            # requests a minute a service needs at an incident's start


class Service:
    def __init__(self, index, name, peak, rng):
        self.index, self.name, self.peak = index, name, peak
        self.night = rng.uniform(0.03, 0.15)
        self.shift = rng.uniform(-2, 2)
        self.weekend = rng.uniform(0.35, 0.8)
        self.base_ms = rng.choice([15, 25, 40, 60, 90, 150, 250, 400])
        self.sigma = rng.uniform(0.3, 0.55)
        self.error_rate = rng.uniform(0.001, 0.008)
        self.rate_drift = (rng.uniform(0.05, 0.1), rng.uniform(9, 20), rng.uniform(0, 2 * math.pi))
        self.lat_drift = (rng.uniform(0.05, 0.12), rng.uniform(9, 20), rng.uniform(0, 2 * math.pi))
        self.routes = [(f'/api/{name}{suffix}', method, share, self.base_ms * factor)
                       for suffix, method, share, factor in ROUTE_SHAPES[index % len(ROUTE_SHAPES)]]
        self.cumulative = []
        total = 0.0
        for r in self.routes:
            total += r[2]
            self.cumulative.append(total)

    def expected_rate(self, day, minute_of_day, weekday):
        h = (minute_of_day / 60.0 - self.shift) % 24
        cycle = (1 - math.cos(2 * math.pi * (h - 4) / 24)) / 2
        daily = self.night + (1 - self.night) * cycle ** 1.3
        weekly = self.weekend if weekday >= 5 else 1.0
        amp, period, phase = self.rate_drift
        drift = 1 + amp * math.sin(2 * math.pi * (day + minute_of_day / 1440) / period + phase)
        return self.peak * daily * weekly * drift

    def latency_drift(self, day, minute_of_day):
        amp, period, phase = self.lat_drift
        return 1 + amp * math.sin(2 * math.pi * (day + minute_of_day / 1440) / period + phase)


class Scenario:
    """A corpus instance: services, incidents, the time span, and the points minute by minute."""

    def __init__(self, corpus='small', seed=1, end=None, days=None, services=None):
        spec = dict(CORPORA[corpus])
        if days:
            spec['days'] = days
            spec['incident_days'] = min(spec['incident_days'], max(1, days - 1))
        if services:
            spec['services'] = services
            spec['peaks'] = [spec['peaks'][i % len(spec['peaks'])] for i in range(services)]
        self.corpus, self.seed, self.spec = corpus, seed, spec
        if end is None:
            now = datetime.now(timezone.utc)
            end = now.replace(hour=0, minute=0, second=0, microsecond=0)
            if now - end < timedelta(minutes=90):
                end -= timedelta(days=1)
        self.end = end
        self.days = spec['days']
        self.start = end - timedelta(days=self.days)
        self.incident_start = end - timedelta(days=spec['incident_days'])
        rng = random.Random(f'{seed}/services')
        self.services = [Service(i, NAMES[i % len(NAMES)] + ('' if i < len(NAMES) else str(i // len(NAMES))), spec['peaks'][i], rng)
                         for i in range(spec['services'])]
        self.incidents = self._place_incidents(random.Random(f'{seed}/incidents'))

    def weekday(self, day):
        """0 = Monday; the last day of the scenario is a Friday."""
        return (day - self.days + 5) % 7

    def minute_time(self, minute):
        return self.start + timedelta(minutes=minute)

    def _place_incidents(self, rng):
        first_day = self.days - self.spec['incident_days']
        incidents, taken = [], {s.name: [] for s in self.services}
        n = 0
        for context in self.spec['contexts']:
            weekend, hours = CONTEXTS[context]
            days = [d for d in range(first_day, self.days) if (self.weekday(d) >= 5) == weekend]
            for kind, size, label in VARIANTS:
                if label not in self.spec.get('variants', [label]):
                    continue
                candidates = [(d, h * 60 + m, s) for d in days for h in hours for m in range(0, 60, 10) for s in self.services]
                rng.shuffle(candidates)
                # Spread over services: prefer the ones with the fewest incidents so far.
                candidates.sort(key=lambda c: len(taken[c[2].name]))
                for d, mod, s in candidates:
                    if s.expected_rate(d, mod, self.weekday(d)) < MIN_RATE:
                        continue
                    start = d * 1440 + mod
                    if start + INCIDENT_MINUTES + 10 > self.days * 1440:
                        continue
                    if any(abs(start - other) < INCIDENT_MINUTES + GAP_MINUTES for other in taken[s.name]):
                        continue
                    taken[s.name].append(start)
                    n += 1
                    incidents.append(dict(id=f'i{n:03d}', service=s.name, kind=kind, size=size, variant=label, context=context,
                                          start_minute=start, end_minute=start + INCIDENT_MINUTES,
                                          start=self.minute_time(start).isoformat().replace('+00:00', 'Z'),
                                          end=self.minute_time(start + INCIDENT_MINUTES).isoformat().replace('+00:00', 'Z'),
                                          expected_rate=round(s.expected_rate(d, mod, self.weekday(d)), 1)))
                    break
                else:
                    raise RuntimeError(f'no room for a {label} incident at {context} hours')
        incidents.sort(key=lambda i: i['start_minute'])
        return incidents

    def describe(self):
        return dict(corpus=self.corpus, seed=self.seed, start=self.start.isoformat().replace('+00:00', 'Z'),
                    end=self.end.isoformat().replace('+00:00', 'Z'),
                    incident_free_until=self.incident_start.isoformat().replace('+00:00', 'Z'), days=self.days,
                    services=[dict(name=s.name, peak=s.peak, night=round(s.night, 3), weekend=round(s.weekend, 2), base_ms=s.base_ms,
                                   sigma=round(s.sigma, 2), error_rate=round(s.error_rate, 4),
                                   routes=[dict(route=r[0], method=r[1]) for r in s.routes]) for s in self.services],
                    incidents=self.incidents)

    def series_labels(self):
        """Every label set the scenario can send, per service (for matching alert groups to services)."""
        out = {}
        for s in self.services:
            out[s.name] = [dict(service=s.name, route=r[0], method=r[1], status=st) for r in s.routes for st in ('200', '404', '500')]
        return out

    def minutes(self):
        """Yields (minute index, [JSON text of each point]) in time order; points as Vigil's SDK
        sends them: one timing point per request, labels service, route, method, status."""
        gens = [_ServiceStream(self, s) for s in self.services]
        for minute in range(self.days * 1440):
            stamp = (self.start + timedelta(minutes=minute, seconds=30)).strftime('%Y-%m-%dT%H:%M:%SZ')
            lines = []
            for g in gens:
                g.emit(minute, stamp, lines)
            yield minute, lines


class _ServiceStream:
    def __init__(self, scenario, service):
        self.sc, self.s = scenario, service
        self.rng = random.Random(f'{scenario.seed}/traffic/{service.name}')
        days = scenario.days
        spike_rng = random.Random(f'{scenario.seed}/spikes/{service.name}')
        self.spikes = {}
        self.blips = {}
        for d in range(days):
            for _ in range(_poisson(spike_rng, 3.0)):
                self.spikes[d * 1440 + spike_rng.randrange(1440)] = spike_rng.uniform(3, 8)
            for _ in range(_poisson(spike_rng, 1.0)):
                self.blips[d * 1440 + spike_rng.randrange(1440)] = spike_rng.uniform(0.06, 0.12)
        self.incidents = [i for i in scenario.incidents if i['service'] == service.name]
        self.prefix = {}
        for route, method, _, _ in service.routes:
            for status in ('200', '404', '500'):
                self.prefix[(route, status)] = (
                    '{"name":"%s","type":"timing","value":' % METRIC,
                    ',"labels":{"service":"%s","route":"%s","method":"%s","status":"%s"},"timestamp":"' % (service.name, route, method, status))

    def emit(self, minute, stamp, lines):
        s, rng = self.s, self.rng
        day, mod = divmod(minute, 1440)
        expected = s.expected_rate(day, mod, self.sc.weekday(day))
        rate = expected * math.exp(rng.gauss(0, 0.12))
        lat_mult, err = 1.0, s.error_rate
        for i in self.incidents:
            if i['start_minute'] <= minute < i['end_minute']:
                if i['kind'] == 'latency':
                    lat_mult *= i['size']
                elif i['kind'] == 'errors':
                    err = i['size'] / 100.0
                else:
                    rate *= i['size']
        if minute in self.blips:
            err = max(err, self.blips[minute])
        if minute in self.spikes:
            lat_mult *= self.spikes[minute]
        n = _poisson(rng, rate)
        if n == 0:
            return
        load = 1 + 0.15 * min(1.0, expected / s.peak)
        base = s.latency_drift(day, mod) * load * lat_mult
        sigma, cumulative, routes = s.sigma, s.cumulative, s.routes
        lognorm, rnd = rng.lognormvariate, rng.random
        for _ in range(n):
            u = rnd() * cumulative[-1]
            k = 0
            while cumulative[k] < u:
                k += 1
            route = routes[k]
            v = rnd()
            if v < err:
                status, f = '500', 0.6
            elif v < err + 0.02:
                status, f = '404', 0.5
            else:
                status, f = '200', 1.0
            head, mid = self.prefix[(route[0], status)]
            lines.append('%s%.3f%s%s"}' % (head, route[3] * base * f * lognorm(0, sigma), mid, stamp))


def _poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
