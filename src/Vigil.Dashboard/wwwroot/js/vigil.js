/* Vigil dashboard behaviours. Plain ES2020, no dependencies except the globals uPlot
 * (charts) and htmx when the page loads them. Safe under the CSP
 * script-src 'self'; style-src 'self'; connect-src 'self': no eval, no inline styles
 * (only element.style from script), no markup built from server strings.
 *
 * Behaviours are attached by data attributes. Clicks, submits and changes are delegated
 * from the document, so they work on content htmx swaps in; times and charts are set up
 * by init(root), run on load and on every htmx:load.
 *
 *   <meta name="vigil-csrf" content="...">       token sent as RequestVerificationToken
 *   form[data-json-action][data-json-method]     submit as JSON (see submitJsonForm); in a
 *       PATCH form (JSON merge patch) an emptied [data-null-when-empty] control, a
 *       fieldset[name][data-null-when-empty] whose fields are all empty, and a key removed
 *       from a data-type="labels" textarea[data-original-keys] are sent as null (cleared);
 *       an empty data-type="lines" list with data-omit-empty is left out (the API's default)
 *   [data-post] / [data-patch] on a button, select or checkbox   one API call (see act)
 *   time.local[datetime]                         shown in local time, age in title
 *   .chart[data-chart-src][data-chart-refresh]   uPlot chart (see drawChart)
 *   button[data-copy]                            copies its value to the clipboard
 *   select[data-fieldset-switch] in a form       shows the fieldset[data-for-types] listing the
 *       chosen value (space-separated) and disables and hides the others (disabled fields are
 *       not sent), e.g. a channel's or a monitor's type-specific fields
 */
(() => {
  'use strict';

  const doc = document;
  const csrfToken = () => doc.querySelector('meta[name="vigil-csrf"]')?.content || '';

  // ---------------------------------------------------------------- htmx
  if (window.htmx) {
    // htmx would inject a <style> for its indicators (refused by style-src 'self'; vigil.css
    // has the rules instead) and may evaluate hx-on / js: attributes (refused without
    // 'unsafe-eval'). Runs before htmx's own start-up, which waits for DOMContentLoaded.
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
  }
  doc.addEventListener('htmx:configRequest', (evt) => {
    const token = csrfToken();
    if (token) evt.detail.headers['RequestVerificationToken'] = token;
  });

  // ---------------------------------------------------------------- HTTP
  /**
   * Sends a request and reads the answer. Never throws: resolves to
   * { ok, status, data, problem } where problem is the RFC 7807 object (or one made up
   * from the status) when ok is false.
   */
  async function send(url, method = 'GET', body, contentType = 'application/json') {
    const headers = { Accept: 'application/json, application/problem+json' };
    const token = csrfToken();
    if (token) headers.RequestVerificationToken = token;
    if (body !== undefined) headers['Content-Type'] = contentType;
    let res;
    try {
      res = await fetch(url, {
        method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      return { ok: false, status: 0, data: null, problem: { title: 'Network error', detail: err.message } };
    }
    const type = res.headers.get('Content-Type') || '';
    let data = null;
    if (/json/i.test(type)) {
      try { data = await res.json(); } catch { data = null; }
    }
    // An API call that ends on an HTML page was most likely sent to the login page.
    if (res.ok && res.redirected && !/json/i.test(type)) {
      return { ok: false, status: res.status, data: null, problem: { title: 'Your session may have expired: reload the page and sign in again.' } };
    }
    if (res.ok) return { ok: true, status: res.status, data, problem: null };
    const problem = data && typeof data === 'object' ? data : {};
    if (!problem.title && !problem.detail) problem.title = `Request failed (HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''})`;
    return { ok: false, status: res.status, data, problem };
  }

  /** All messages of a problem's errors object, flattened. */
  const errorMessages = (errors) => Object.values(errors || {}).flatMap((m) => (Array.isArray(m) ? m : [m])).map(String);

  /** One line for a problem: its detail, else its title, plus any field errors. */
  function problemText(problem) {
    const head = problem.detail || problem.title || 'Request failed';
    const rest = errorMessages(problem.errors);
    return rest.length ? `${head}\n${rest.join('\n')}` : head;
  }

  /** Shows a .flash message in a [data-form-status] element. */
  function flash(statusEl, kind, text, items = []) {
    statusEl.textContent = '';
    const box = doc.createElement('div');
    box.className = `flash flash-${kind}`;
    box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    box.textContent = text;
    if (items.length) {
      const ul = doc.createElement('ul');
      for (const item of items) ul.appendChild(doc.createElement('li')).textContent = item;
      box.appendChild(ul);
    }
    statusEl.appendChild(box);
  }

  // ---------------------------------------------------------------- JSON forms
  /** Sets obj.a.b.c = value for the dotted name "a.b.c". */
  function setPath(obj, name, value) {
    const parts = name.split('.');
    let node = obj;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part];
    }
    node[parts[parts.length - 1]] = value;
  }

  const OMIT = Symbol('omit');

  /**
   * Converts a control's text by its data-type. Returns OMIT to leave the field out;
   * throws an Error whose message is shown as the field's error.
   */
  function convert(text, type, keepEmpty) {
    const t = text.trim();
    switch (type) {
      case 'number':
      case 'int': {
        if (t === '') return OMIT;
        const n = Number(t);
        if (!Number.isFinite(n)) throw new Error('Enter a number.');
        if (type === 'int' && !Number.isInteger(n)) throw new Error('Enter a whole number.');
        return n;
      }
      case 'bool': return t === 'true';
      case 'json':
        if (t === '') return OMIT;
        try { return JSON.parse(t); } catch (err) { throw new Error(`Not valid JSON: ${err.message}`); }
      case 'lines': return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      case 'labels': {
        const labels = {};
        text.split(/\r?\n/).forEach((line, i) => {
          const l = line.trim();
          if (!l) return;
          const eq = l.indexOf('=');
          if (eq <= 0) throw new Error(`Line ${i + 1}: expected key=value.`);
          labels[l.slice(0, eq).trim()] = l.slice(eq + 1).trim();
        });
        return labels;
      }
      default: return text === '' && !keepEmpty ? OMIT : text;
    }
  }

  /**
   * Builds the JSON body of a form as the given method sends it (default: the form's
   * data-json-method); returns { body, errors: Map(control -> message) }.
   */
  function formBody(form, method = form.dataset.jsonMethod || 'POST') {
    const body = {};
    const errors = new Map();
    // A merge patch keeps what it does not name: clearing a field has to send null.
    const patch = method.toUpperCase() === 'PATCH';
    for (const el of form.elements) {
      if (!el.name || el.matches(':disabled') || /^(FIELDSET|OUTPUT|OBJECT)$/.test(el.tagName)) continue;
      if (/^(submit|button|reset|file|image)$/.test(el.type)) continue;
      const type = el.dataset.type || '';
      let value;
      try {
        if (el.type === 'checkbox') {
          if (type === 'bool') value = el.checked;
          else if (!el.checked) continue;
          else value = convert(el.value, type, true);
        } else if (el.type === 'radio') {
          if (!el.checked) continue;
          value = convert(el.value, type, true);
        } else if (el.tagName === 'SELECT' && el.multiple) {
          value = [...el.selectedOptions].map((o) => o.value);
        } else {
          value = convert(el.value, type, el.hasAttribute('data-keep-empty'));
        }
      } catch (err) {
        errors.set(el, err.message);
        continue;
      }
      // An empty list the API would refuse rather than default (a monitor's expectedStatus).
      if (Array.isArray(value) && value.length === 0 && el.hasAttribute('data-omit-empty')) value = OMIT;
      if (value !== OMIT) setPath(body, el.name, value);
      else if (patch && el.hasAttribute('data-null-when-empty')) setPath(body, el.name, null);
      if (patch && type === 'labels' && value !== OMIT && el.dataset.originalKeys) {
        let before = [];
        try { before = JSON.parse(el.dataset.originalKeys); } catch { before = []; }
        for (const key of before) if (!(key in value)) value[key] = null;
      }
    }
    // A fieldset[name][data-null-when-empty] whose fields were all left empty clears the object.
    if (patch) {
      for (const set of form.querySelectorAll('fieldset[name][data-null-when-empty]:not(:disabled)')) {
        const name = set.getAttribute('name');
        if (name.split('.').reduce((node, part) => (node == null ? undefined : node[part]), body) === undefined) setPath(body, name, null);
      }
    }
    return { body, errors };
  }

  /** The [data-form-status] element of a form, made (at its top) when there is none. */
  function formStatus(form) {
    let el = form.querySelector('[data-form-status]');
    if (!el) {
      el = doc.createElement('div');
      el.setAttribute('data-form-status', '');
      el.setAttribute('aria-live', 'polite');
      form.prepend(el);
    }
    return el;
  }

  let uid = 0;

  /** The element that shows errors for a control: [data-error-for=name], else a new span after it. */
  function errorSlot(form, control) {
    let slot = form.querySelector(`[data-error-for="${CSS.escape(control.name)}"]`);
    if (!slot) {
      slot = doc.createElement('span');
      slot.className = 'field-error';
      slot.setAttribute('data-error-for', control.name);
      control.after(slot);
    }
    if (!slot.id) slot.id = `vigil-err-${++uid}`;
    return slot;
  }

  function clearErrors(form) {
    for (const slot of form.querySelectorAll('[data-error-for]')) {
      slot.textContent = '';
      for (const c of form.querySelectorAll('[aria-describedby]')) {
        const ids = c.getAttribute('aria-describedby').split(/\s+/).filter((id) => id && id !== slot.id);
        if (ids.length) c.setAttribute('aria-describedby', ids.join(' '));
        else c.removeAttribute('aria-describedby');
      }
    }
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    formStatus(form).textContent = '';
  }

  function showFieldError(form, control, messages) {
    const slot = errorSlot(form, control);
    slot.textContent = messages.join(' ');
    control.setAttribute('aria-invalid', 'true');
    const ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!ids.includes(slot.id)) control.setAttribute('aria-describedby', [...ids, slot.id].join(' '));
  }

  /**
   * The control named by a problem's error key, or null. Matching ignores case, a leading
   * "$." or "body.", and tries the key's last segments: "Threshold.Value",
   * "$.threshold.value" and "body.rule.threshold.value" all find name="threshold.value";
   * array indexes are dropped.
   */
  function controlForKey(form, key) {
    const byName = new Map();
    for (const el of form.elements) if (el.name && !byName.has(el.name.toLowerCase())) byName.set(el.name.toLowerCase(), el);
    // "channels[2]" is an error in the list that name="channels" holds.
    const parts = key.toLowerCase().replace(/^\$\.?|^body\./, '').replace(/\[\d+\]/g, '').split('.').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const el = byName.get(parts.slice(i).join('.'));
      if (el) return el;
    }
    return null;
  }

  /** Fills {id}, {name} ... in a success URL from the response JSON. */
  const fillUrl = (template, data) => template.replace(/\{(\w+)\}/g, (m, key) => {
    const v = data && data[key] !== undefined ? data[key] : data?.[key[0].toUpperCase() + key.slice(1)];
    return v === undefined || v === null ? m : encodeURIComponent(v);
  });

  async function submitJsonForm(form) {
    if (form.getAttribute('aria-busy') === 'true') return;
    clearErrors(form);
    const status = formStatus(form);
    const { body, errors } = formBody(form);
    if (errors.size) {
      for (const [control, message] of errors) showFieldError(form, control, [message]);
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    const buttons = [...form.querySelectorAll('button:not([type]), button[type=submit], input[type=submit]')]
      .filter((b) => !b.disabled);
    buttons.forEach((b) => { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    let leaving = false;
    try {
      const method = (form.dataset.jsonMethod || 'POST').toUpperCase();
      const res = await send(form.dataset.jsonAction, method, body,
        method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      if (res.ok) {
        if (form.dataset.success) {
          leaving = true;
          location.assign(fillUrl(form.dataset.success, res.data));
        } else if (form.hasAttribute('data-success-reload')) {
          leaving = true;
          location.reload();
        } else if (form.dataset.successShow) {
          // Shows fields of the answer (an API key shown once): every [data-field] inside the
          // target gets the answer's value of that name, and the target is unhidden.
          const target = document.querySelector(form.dataset.successShow);
          if (target) {
            target.querySelectorAll('[data-field]').forEach((el) => {
              const value = res.data ? res.data[el.dataset.field] : '';
              const text = value == null ? '' : String(value);
              if (el.hasAttribute('data-copy')) el.setAttribute('data-copy', text);
              else el.textContent = text;
            });
            target.hidden = false;
          }
          form.reset();
        } else {
          flash(status, 'success', form.dataset.successMessage || 'Saved.');
        }
        return;
      }
      const problem = res.problem;
      const unmatched = showProblemErrors(form, problem);
      const head = [problem.title, problem.detail].filter(Boolean).join(': ') || 'The request failed.';
      flash(status, 'error', head, unmatched);
      // The first invalid field in document order, else the message.
      const first = form.querySelector('[aria-invalid="true"]');
      if (first) first.focus();
      else status.scrollIntoView({ block: 'nearest' });
    } finally {
      form.removeAttribute('aria-busy');
      if (!leaving) buttons.forEach((b) => { b.disabled = false; });
    }
  }

  doc.addEventListener('submit', (evt) => {
    const form = evt.target.closest('form[data-json-action]');
    if (!form) return;
    evt.preventDefault();
    submitJsonForm(form);
  });

  // ---------------------------------------------------------------- action buttons and toggles
  /** What to do after a successful action: reload, refresh:#selector, go:/url or none. */
  function then(el, fallback) {
    const what = el.dataset.then || fallback;
    if (what === 'none') return;
    if (what.startsWith('refresh:')) {
      const target = doc.querySelector(what.slice(8));
      if (target && window.htmx) { htmx.trigger(target, 'refresh'); return; }
    }
    if (what.startsWith('go:')) { location.assign(what.slice(3)); return; }
    location.reload();
  }

  /** Shows an action's error in the nearest [data-form-status], else with alert(). */
  function actionError(el, problem) {
    const scope = el.closest('form, tr, li, .card, .banner, section, main');
    const status = scope && (scope.querySelector('[data-form-status]') || scope.closest('main, body').querySelector('[data-form-status]'));
    if (status) {
      flash(status, 'error', problem.detail || problem.title || 'Request failed', errorMessages(problem.errors));
      status.scrollIntoView({ block: 'nearest' });
    } else {
      alert(problemText(problem));
    }
  }

  /** Runs the API call of a [data-post]/[data-patch] element; returns true on success. */
  async function act(el, extra) {
    let body = {};
    if (el.dataset.body) {
      try { body = JSON.parse(el.dataset.body); } catch { alert('Bad data-body on this control.'); return false; }
    }
    Object.assign(body, extra);
    const patch = el.hasAttribute('data-patch');
    const url = patch ? el.dataset.patch : el.dataset.post;
    const method = patch ? 'PATCH' : (el.dataset.method || 'POST').toUpperCase();
    el.disabled = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const res = await send(url, method, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      if (!res.ok) actionError(el, res.problem);
      return res.ok;
    } finally {
      el.disabled = false;
      el.removeAttribute('aria-busy');
    }
  }

  doc.addEventListener('click', async (evt) => {
    const copy = evt.target.closest('[data-copy]');
    if (copy) { copyText(copy); return; }
    const el = evt.target.closest('button[data-post], button[data-patch], a[data-post]');
    if (!el || el.disabled) return;
    evt.preventDefault();
    if (el.dataset.confirm && !confirm(el.dataset.confirm)) return;
    const extra = {};
    if (el.dataset.prompt !== undefined) {
      const answer = prompt(el.dataset.prompt || 'Note', '');
      if (answer === null) return;
      if (answer.trim()) extra[el.dataset.promptField || 'note'] = answer.trim();
    }
    if (await act(el, extra)) then(el, 'reload');
  });

  // A checkbox or select sends {field: value} when changed and goes back to its
  // previous value (its server-rendered default) when the call fails.
  doc.addEventListener('change', async (evt) => {
    const el = evt.target.closest('input[type=checkbox][data-patch], input[type=checkbox][data-post], select[data-patch], select[data-post]');
    if (!el) return;
    const isBox = el.type === 'checkbox';
    const revert = () => {
      if (isBox) el.checked = el.defaultChecked;
      else for (const o of el.options) o.selected = o.defaultSelected;
    };
    if (el.dataset.confirm && !confirm(el.dataset.confirm)) { revert(); return; }
    let value;
    try {
      value = isBox ? el.checked : convert(el.value, el.dataset.type || '', true);
    } catch (err) { alert(err.message); revert(); return; }
    if (await act(el, { [el.dataset.field || el.name]: value })) {
      if (isBox) el.defaultChecked = el.checked;
      else for (const o of el.options) o.defaultSelected = o.selected;
      then(el, 'none');
    } else {
      revert();
    }
  });

  // ---------------------------------------------------------------- copy to clipboard
  async function copyText(btn) {
    const text = btn.dataset.copy;
    let done = false;
    try {
      await navigator.clipboard.writeText(text);
      done = true;
    } catch {
      // Not a secure context (plain http on a LAN address): the old way.
      const ta = doc.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'visually-hidden';
      doc.body.appendChild(ta);
      ta.select();
      done = doc.execCommand('copy');
      ta.remove();
    }
    const label = btn.dataset.copyLabel || btn.textContent;
    btn.dataset.copyLabel = label;
    btn.textContent = done ? 'Copied' : 'Copy failed';
    setTimeout(() => { btn.textContent = label; }, 1500);
  }

  // ---------------------------------------------------------------- times
  const pad = (n) => String(n).padStart(2, '0');
  const localText = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

  /** "3 min ago", "in 2 h", "just now". */
  function age(d, now = Date.now()) {
    const s = Math.round((now - d.getTime()) / 1000);
    const a = Math.abs(s);
    const text = a < 10 ? null
      : a < 60 ? `${a} s`
        : a < 3600 ? `${Math.floor(a / 60)} min`
          : a < 172800 ? `${Math.floor(a / 3600)} h`
            : `${Math.floor(a / 86400)} d`;
    if (!text) return 'just now';
    return s >= 0 ? `${text} ago` : `in ${text}`;
  }

  function initTimes(root) {
    const times = root.matches?.('time.local') ? [root] : root.querySelectorAll('time.local[datetime]');
    for (const t of times) {
      const d = new Date(t.getAttribute('datetime'));
      if (Number.isNaN(d.getTime())) continue;
      t.textContent = localText(d);
      t.title = age(d);
    }
  }
  // Keep the age current when someone hovers over a time.
  doc.addEventListener('mouseover', (evt) => {
    const t = evt.target.closest?.('time.local[datetime]');
    if (t) {
      const d = new Date(t.getAttribute('datetime'));
      if (!Number.isNaN(d.getTime())) t.title = age(d);
    }
  });

  // ---------------------------------------------------------------- charts
  const charts = new Map(); // element -> { u, data, sig, timer }
  const cssVar = (name) => getComputedStyle(doc.documentElement).getPropertyValue(name).trim();
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 });
  const withUnit = (v, unit) => (v === null || v === undefined ? '–' : `${compact.format(v)}${unit ? (unit === '%' ? '%' : ` ${unit}`) : ''}`);

  /**
   * Merges series with their own timestamps into one x axis (uPlot.join). Where a series
   * has no point at an x it gets undefined, which uPlot draws across; a null in the data
   * stays null and, with spanGaps false, breaks the line (mode 2 widens it over the
   * undefined next to it, so a gap is never bridged).
   */
  const align = (lines) => uPlot.join(lines.map((pts) => [pts.map((p) => p[0]), pts.map((p) => p[1] ?? null)]), lines.map(() => [0, 2]));

  /** Width an axis needs for its longest tick label (after uPlot's axis-autosize demo). */
  function axisSize(u, values, axisIdx, cycleNum) {
    const axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    let size = axis.ticks.size + axis.gap;
    const longest = (values || []).reduce((acc, v) => (v.length > acc.length ? v : acc), '');
    if (longest) {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / devicePixelRatio;
    }
    return Math.ceil(size);
  }

  function showEmpty(el, text, isError) {
    const state = charts.get(el);
    if (state?.u) { state.u.destroy(); state.u = null; }
    el.textContent = '';
    const p = el.appendChild(doc.createElement('div'));
    p.className = isError ? 'empty chart-error' : 'empty';
    p.textContent = text;
    const legend = el.nextElementSibling;
    if (legend?.matches('.chart-legend')) legend.textContent = '';
  }

  /** The legend list after the chart (reused if the page has one), with a value slot per line. */
  function buildLegend(el, entries) {
    let legend = el.nextElementSibling;
    if (!legend?.matches('.chart-legend')) {
      legend = doc.createElement('ul');
      legend.className = 'chart-legend';
      el.after(legend);
    }
    legend.textContent = '';
    return entries.map(({ label, color, dashed }) => {
      const li = legend.appendChild(doc.createElement('li'));
      li.style.color = color;
      const sw = li.appendChild(doc.createElement('span'));
      sw.className = dashed ? 'swatch swatch-dashed' : 'swatch';
      const name = li.appendChild(doc.createElement('span'));
      name.className = 'muted';
      name.textContent = label;
      const val = li.appendChild(doc.createElement('span'));
      val.className = 'legend-value';
      return val;
    });
  }

  /**
   * Draws (or updates in place) a chart in el from the JSON contract:
   * { unit, series: [{label, points: [[t, v|null]]}], threshold, thresholdLabel,
   *   baseline: [[t, v]] | null, baselineLabel, band: [[t, low, high]] | null, bandLabel,
   *   shaded: [{from, to|null, kind}], from, to (a fixed time axis) }
   */
  function drawChart(el, data) {
    if (!window.uPlot) { showEmpty(el, 'Charts are not available.', true); return; }
    const series = (data && data.series) || [];
    const baseline = (data && data.baseline) || null;
    const lines = series.map((s) => s.points || []);
    if (baseline) lines.push(baseline);
    const hasPoint = lines.some((pts) => pts.some((p) => p[1] !== null && p[1] !== undefined));
    let state = charts.get(el);
    if (!state) { state = { u: null }; charts.set(el, state); }
    state.data = data;
    if (!hasPoint) { showEmpty(el, 'No data in this range'); return; }

    const aligned = align(lines);
    const unit = data.unit || '';
    const sig = JSON.stringify([series.map((s) => s.label), !!baseline, !!data.band, data.threshold ?? null, unit, cssVar('--chart-1')]);
    if (state.u && state.sig === sig) {
      state.u.setData(aligned); // shading and threshold are read from state.data by the hooks
      return;
    }
    if (state.u) state.u.destroy();
    el.textContent = '';
    state.sig = sig;

    const palette = [1, 2, 3, 4, 5].map((i) => cssVar(`--chart-${i}`));
    const axisColor = cssVar('--chart-axis');
    const grid = { stroke: cssVar('--chart-grid'), width: 1 };
    const legendEntries = [];
    const uSeries = [{}];
    series.forEach((s, i) => {
      const color = palette[i % palette.length];
      // Points only where a line cannot show the value: a point with no neighbour (a lone
      // sample, or one between gaps). uPlot still draws them all when the series is sparse.
      uSeries.push({ label: s.label, stroke: color, width: 1.5, spanGaps: false, points: { size: 5, fill: color, filter: lonePoints } });
      legendEntries.push({ label: s.label, color });
    });
    if (baseline) {
      const color = cssVar('--chart-baseline');
      const label = data.baselineLabel || 'baseline';
      uSeries.push({ label, stroke: color, width: 1, dash: [6, 4], spanGaps: false, points: { show: false } });
      legendEntries.push({ label, color, dashed: true });
    }
    const thresholdColor = cssVar('--chart-threshold');
    const valueSlots = buildLegend(el, legendEntries);
    if (data.threshold !== null && data.threshold !== undefined) {
      buildLegendExtra(el, `${data.thresholdLabel || 'threshold'}: ${withUnit(data.threshold, unit)}`, thresholdColor);
    }
    const bandColor = cssVar('--chart-band');
    if (data.band) buildLegendExtra(el, data.bandLabel || 'band', bandColor, 'swatch swatch-band');
    const shadeColors = { firing: cssVar('--chart-firing'), pending: cssVar('--chart-pending'), resolved: cssVar('--chart-resolved') };

    const opts = {
      width: el.clientWidth,
      height: el.clientHeight || 240,
      series: uSeries,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: {
        x: {
          time: true,
          range: (u, min, max) => (state.data.from != null && state.data.to != null ? [state.data.from, state.data.to] : [min, max]),
        },
        y: {
          range: (u, min, max) => {
            const t = state.data.threshold;
            if (t !== null && t !== undefined) { min = Math.min(min ?? t, t); max = Math.max(max ?? t, t); }
            for (const [, low, high] of state.data.band || []) { min = Math.min(min ?? low, low); max = Math.max(max ?? high, high); }
            return uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [
        { stroke: axisColor, grid, ticks: grid },
        { stroke: axisColor, grid, ticks: grid, size: axisSize, values: (u, vals) => vals.map((v) => withUnit(v, unit)) },
      ],
      hooks: {
        // Alert intervals, behind the data: translucent red (firing) / amber (pending).
        drawClear: [(u) => {
          const { ctx, bbox } = u;
          const [x0, x1] = [bbox.left, bbox.left + bbox.width];
          ctx.save();
          for (const s of state.data.shaded || []) {
            const from = Math.max(x0, u.valToPos(s.from, 'x', true));
            const to = s.to === null || s.to === undefined ? x1 : Math.min(x1, u.valToPos(s.to, 'x', true));
            if (to <= from) continue;
            ctx.fillStyle = shadeColors[s.kind] || shadeColors.firing;
            ctx.fillRect(from, bbox.top, to - from, bbox.height);
          }
          // The band: its high edge left to right, then its low edge back.
          const band = state.data.band || [];
          if (band.length > 0) {
            ctx.beginPath();
            band.forEach(([t, , high], i) => { const x = u.valToPos(t, 'x', true), y = u.valToPos(high, 'y', true); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
            for (let i = band.length - 1; i >= 0; i--) ctx.lineTo(u.valToPos(band[i][0], 'x', true), u.valToPos(band[i][1], 'y', true));
            ctx.closePath();
            ctx.fillStyle = bandColor;
            ctx.fill();
          }
          ctx.restore();
        }],
        // Threshold: dashed horizontal line across the whole plot.
        draw: [(u) => {
          const t = state.data.threshold;
          if (t === null || t === undefined) return;
          const { ctx, bbox } = u;
          const y = Math.round(u.valToPos(t, 'y', true)) + 0.5;
          ctx.save();
          ctx.strokeStyle = thresholdColor;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          ctx.restore();
        }],
        // Values under the cursor go into the legend.
        setCursor: [(u) => {
          const i = u.cursor.idx;
          valueSlots.forEach((slot, s) => {
            slot.textContent = i === null || i === undefined ? '' : ` ${withUnit(u.data[s + 1][i], unit)}`;
          });
        }],
      },
    };
    state.u = new uPlot(opts, aligned, el);
    if (!el.hasAttribute('role')) el.setAttribute('role', 'img');
    watchSize(el);
  }

  function buildLegendExtra(el, label, color, swatchClass = 'swatch swatch-dashed') {
    const legend = el.nextElementSibling;
    const li = legend.appendChild(doc.createElement('li'));
    li.style.color = color;
    li.appendChild(doc.createElement('span')).className = swatchClass;
    const name = li.appendChild(doc.createElement('span'));
    name.className = 'muted';
    name.textContent = label;
    return li;
  }

  // Size to the container: a ResizeObserver (debounced) also catches a chart that was
  // hidden in a closed <details> or tab when it was drawn, which a window resize would not.
  let resizeTimer = 0;
  const resized = new Set();
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => {
    for (const e of entries) resized.add(e.target);
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const el of resized) {
        const u = charts.get(el)?.u;
        if (u && el.clientWidth > 0) u.setSize({ width: el.clientWidth, height: el.clientHeight || 240 });
      }
      resized.clear();
    }, 150);
  }) : null;
  function watchSize(el) { observer?.observe(el); }

  // The dark theme changes the colours: draw every chart again.
  matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    for (const [el, state] of charts) if (state.data) drawChart(el, state.data);
  });

  async function loadChart(el) {
    const res = await send(el.dataset.chartSrc);
    if (!el.isConnected) return;
    if (res.ok) drawChart(el, res.data);
    else if (!charts.get(el)?.u) showEmpty(el, `Could not load the chart: ${res.problem.detail || res.problem.title}`, true);
    else console.warn('vigil: chart refresh failed', el.dataset.chartSrc, res.status);
  }

  function initChart(el) {
    if (charts.has(el)) return;
    charts.set(el, { u: null });
    loadChart(el);
    const every = Number(el.dataset.chartRefresh);
    if (every > 0) {
      const tick = async () => {
        if (!el.isConnected) { forget(el); return; } // swapped out by htmx
        if (!doc.hidden) await loadChart(el);
        charts.get(el).timer = setTimeout(tick, every * 1000);
      };
      charts.get(el).timer = setTimeout(tick, every * 1000);
    }
  }

  function forget(el) {
    const state = charts.get(el);
    if (!state) return;
    clearTimeout(state.timer);
    state.u?.destroy();
    observer?.unobserve(el);
    charts.delete(el);
  }

  // ---------------------------------------------------------------- type-specific fieldsets
  function switchFieldsets(select) {
    const form = select.form;
    if (!form) return;
    for (const set of form.querySelectorAll('fieldset[data-for-types]')) {
      const on = set.dataset.forTypes.split(/\s+/).includes(select.value);
      set.disabled = !on;
      set.hidden = !on;
    }
  }
  doc.addEventListener('change', (evt) => {
    const select = evt.target.closest?.('select[data-fieldset-switch]');
    if (select) switchFieldsets(select);
  });

  // ---------------------------------------------------------------- start-up
  function init(root = doc) {
    initTimes(root);
    root.querySelectorAll?.('select[data-fieldset-switch]').forEach(switchFieldsets);
    const all = root.matches?.('.chart[data-chart-src]') ? [root] : root.querySelectorAll('.chart[data-chart-src]');
    all.forEach(initChart);
    // Charts htmx has removed stop refreshing and free their canvas.
    for (const el of charts.keys()) if (!el.isConnected) forget(el);
  }

  doc.addEventListener('htmx:load', (evt) => init(evt.target));
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', () => init());
  else init();

  /** uPlot points filter: the indexes of values whose neighbours are both missing. */
  function lonePoints(u, seriesIdx, show) {
    if (show) return null;
    const ys = u.data[seriesIdx];
    const lone = [];
    for (let i = 0; i < ys.length; i++) {
      if (ys[i] != null && ys[i - 1] == null && ys[i + 1] == null) lone.push(i);
    }
    return lone.length ? lone : null;
  }

  /**
   * Shows a problem's field errors next to the controls they name; returns the messages
   * no control matched (to list in the form's status).
   */
  function showProblemErrors(form, problem) {
    const unmatched = [];
    for (const [key, value] of Object.entries(problem.errors || {})) {
      const messages = (Array.isArray(value) ? value : [value]).map(String);
      const control = controlForKey(form, key);
      if (control) showFieldError(form, control, messages);
      else unmatched.push(...messages);
    }
    return unmatched;
  }

  // For page scripts (rules.js): the same requests, form reading and error display.
  window.vigil = { drawChart, init, send, formBody, flash, clearErrors, showFieldError, showProblemErrors };
})();
