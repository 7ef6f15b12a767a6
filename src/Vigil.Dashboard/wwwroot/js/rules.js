/* Vigil rule form (Pages/Rules/Edit). Plain ES2020 under the CSP script-src 'self'; uses
 * window.vigil (vigil.js) to read the form, call the API, show errors and draw the chart.
 *
 *   select[data-threshold-switch]      shows the [data-threshold-kinds] fields of the chosen
 *                                      threshold type (all of them still submit: the API
 *                                      ignores what the type does not use)
 *   button[data-test-url]              the Test: replays the rule as typed
 *                                      (POST /api/v1/alerts/rules/test) and draws the value,
 *                                      the threshold and the firing intervals
 */
(() => {
  'use strict';

  const doc = document;
  const MAX_LINES = 5;
  const RANGES = {
    '1h': { seconds: 3600, step: '1m', text: 'hour' },
    '6h': { seconds: 6 * 3600, step: '1m', text: '6 hours' },
    '24h': { seconds: 24 * 3600, step: '2m', text: '24 hours' },
    '7d': { seconds: 7 * 86400, step: '10m', text: '7 days' },
  };

  // ------------------------------------------------------------ threshold kinds
  function showKinds(select) {
    const form = select.form;
    for (const el of form.querySelectorAll('[data-threshold-kinds]')) {
      el.hidden = !el.dataset.thresholdKinds.split(/\s+/).includes(select.value);
    }
  }
  doc.addEventListener('change', (evt) => {
    if (evt.target.matches?.('select[data-threshold-switch]')) showKinds(evt.target);
  });

  // ------------------------------------------------------------ the Test
  const labelText = (labels) => Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join(', ');
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const num = (v) => (v === null || v === undefined ? '–' : new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 }).format(v));

  /** Firing (and pending) intervals of the groups drawn, in unix seconds, from the transitions. */
  function intervals(history, groups) {
    const drawn = new Set(groups.map((g) => labelText(g.labels)));
    const open = new Map();
    const shaded = [];
    for (const e of history || []) {
      const key = labelText(e.labels);
      if (!drawn.has(key)) continue;
      const at = Date.parse(e.at) / 1000;
      const current = open.get(key);
      if (current) { shaded.push({ from: current.from, to: at, kind: current.kind }); open.delete(key); }
      if (e.to === 'pending' || e.to === 'firing') open.set(key, { from: at, kind: e.to });
    }
    for (const current of open.values()) shaded.push({ from: current.from, to: null, kind: current.kind });
    return shaded;
  }

  function chartData(data, body) {
    const groups = (data.series || []).slice(0, MAX_LINES);
    const percent = body.thresholdType === 'percent_change';
    const name = `${body.aggregation || 'avg'}(${body.metric || ''})`;
    const series = groups.map((g) => ({ label: (percent ? `change of ${name}` : name) + (labelText(g.labels) ? ` {${labelText(g.labels)}}` : ''), points: g.points }));
    const levels = new Set(groups.flatMap((g) => g.thresholds.map((p) => p[1])));
    let threshold = null;
    let thresholdLabel = 'threshold';
    if (levels.size <= 1) {
      threshold = levels.size ? [...levels][0] : null;
      if (body.thresholdType === 'dynamic') thresholdLabel = `threshold (${body.baselineMultiplier} × baseline)`;
    } else {
      // Thresholds that move (a baseline per group): a line each.
      for (const g of groups) {
        series.push({ label: `threshold${body.thresholdType === 'dynamic' ? ` (${body.baselineMultiplier} × baseline)` : ''}${labelText(g.labels) ? ` {${labelText(g.labels)}}` : ''}`, points: g.thresholds });
      }
    }
    const unit = percent || body.aggregation === 'error_rate_percent' ? '%' : '';
    return { unit, series, threshold, thresholdLabel, baseline: null, shaded: intervals(data.history, groups) };
  }

  function summaryText(data, range, body) {
    const s = data.summary;
    const over = `Over the last ${range.text}`;
    const parts = [`${over}, the rule would have fired ${plural(s.firings, 'time')} and resolved ${plural(s.resolutions, 'time')} (${plural(s.notifications, 'notification')}).`];
    if (data.wouldFire) parts.push(`Now the condition holds: ${num(data.value)} against ${num(data.threshold)}.`);
    else if (data.value !== null && data.value !== undefined) parts.push(`Now the condition does not hold: ${num(data.value)} against ${num(data.threshold)}.`);
    if (!(data.series || []).length) parts.push(`No stored data of ${body.metric || 'this metric'} in this range matches the rule.`);
    else if (data.series.length > MAX_LINES) parts.push(`The chart draws ${MAX_LINES} of the ${data.series.length} groups, those that would have fired first.`);
    return parts.join(' ');
  }

  function transitionsTable(host, history) {
    host.textContent = '';
    if (!history || !history.length) return;
    const details = host.appendChild(doc.createElement('details'));
    details.appendChild(doc.createElement('summary')).textContent = `Transitions (${history.length})`;
    const wrap = details.appendChild(doc.createElement('div'));
    wrap.className = 'table-wrap';
    const table = wrap.appendChild(doc.createElement('table'));
    table.className = 'data';
    const head = table.createTHead().insertRow();
    for (const h of ['When', 'Group', 'From', 'To', 'Value', 'Threshold', 'Notified']) {
      const th = doc.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.appendChild(th);
    }
    const tbody = table.createTBody();
    for (const e of history) {
      const row = tbody.insertRow();
      const when = row.insertCell().appendChild(doc.createElement('time'));
      when.className = 'local';
      when.setAttribute('datetime', e.at);
      when.textContent = e.at;
      row.insertCell().textContent = labelText(e.labels) || '—';
      row.insertCell().textContent = e.from || '—';
      const to = row.insertCell().appendChild(doc.createElement('span'));
      to.className = `badge st-${e.to}`;
      to.textContent = e.to;
      const value = row.insertCell();
      value.className = 'num';
      value.textContent = num(e.value);
      const threshold = row.insertCell();
      threshold.className = 'num';
      threshold.textContent = num(e.threshold);
      row.insertCell().textContent = e.notified ? 'yes' : 'no';
    }
    window.vigil?.init(host);
  }

  async function runTest(button) {
    const form = doc.getElementById(button.dataset.ruleForm);
    const range = RANGES[doc.getElementById('rule-test-range').value] || RANGES['24h'];
    const status = doc.getElementById('rule-test-status');
    const summary = doc.getElementById('rule-test-summary');
    const chart = doc.getElementById('rule-test-chart');
    const table = doc.getElementById('rule-test-table');
    const ui = window.vigil;
    ui.clearErrors(form);
    status.textContent = '';
    // The Test replays the whole rule as typed (a POST body), whatever the form saves with.
    const { body, errors } = ui.formBody(form, 'POST');
    if (errors.size) {
      for (const [control, text] of errors) ui.showFieldError(form, control, [text]);
      ui.flash(status, 'error', 'Fix the rule first.');
      return;
    }
    const from = new Date(Date.now() - range.seconds * 1000).toISOString();
    const url = `${button.dataset.testUrl}?from=${encodeURIComponent(from)}&step=${range.step}`;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    summary.textContent = 'Testing…';
    try {
      const res = await ui.send(url, 'POST', body);
      if (!res.ok) {
        summary.textContent = '';
        const problem = res.problem;
        ui.flash(status, 'error', problem.detail || problem.title || `The test failed (HTTP ${res.status}).`, ui.showProblemErrors(form, problem));
        return;
      }
      const data = res.data;
      summary.textContent = summaryText(data, range, body);
      chart.hidden = false;
      chart.setAttribute('role', 'img');
      chart.setAttribute('aria-label', `Chart: ${body.metric || 'the metric'} over the last ${range.text}, its threshold and where the rule would have fired. The transitions below list the same.`);
      ui.drawChart(chart, chartData(data, body));
      transitionsTable(table, data.history);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  doc.addEventListener('click', (evt) => {
    const button = evt.target.closest?.('button[data-test-url]');
    if (button && !button.disabled) runTest(button);
  });
})();
