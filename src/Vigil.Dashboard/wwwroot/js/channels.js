/* Vigil dashboard: the channel pages. Plain ES2020, safe under the dashboard's CSP.
 *
 *   select[data-channel-type-select]          shows the fieldset[data-channel-types] of the chosen
 *                                             type and disables the others (disabled fields are
 *                                             not sent by vigil.js's JSON forms)
 *   button[data-channel-test=URL]             POSTs URL (a channel test) and writes the outcome
 *                                             into the element its aria-describedby names
 */
(() => {
  'use strict';

  const doc = document;
  const csrfToken = () => doc.querySelector('meta[name="vigil-csrf"]')?.content || '';

  function showType(select) {
    const form = select.form;
    if (!form) return;
    for (const set of form.querySelectorAll('fieldset[data-channel-types]')) {
      const on = set.dataset.channelTypes.split(/\s+/).includes(select.value);
      set.disabled = !on;
      set.hidden = !on;
    }
  }

  doc.addEventListener('change', (evt) => {
    const select = evt.target.closest('select[data-channel-type-select]');
    if (select) showType(select);
  });

  function init() {
    for (const select of doc.querySelectorAll('select[data-channel-type-select]')) showType(select);
  }

  async function test(button) {
    const out = doc.getElementById(button.getAttribute('aria-describedby') || '');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (out) { out.className = 'channel-test muted'; out.textContent = 'Sending a test…'; }
    let text;
    let ok = false;
    try {
      const res = await fetch(button.dataset.channelTest, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json, application/problem+json', RequestVerificationToken: csrfToken() },
      });
      let data = null;
      if (/json/i.test(res.headers.get('Content-Type') || '')) {
        try { data = await res.json(); } catch { data = null; }
      }
      if (res.ok && data) {
        ok = data.delivered === true;
        const http = data.httpStatus ? ` (HTTP ${data.httpStatus})` : '';
        const ms = typeof data.durationMs === 'number' ? ` in ${Math.round(data.durationMs)} ms` : '';
        text = ok ? `Delivered${http}${ms}.` : `Not delivered: ${data.status.replace(/_/g, ' ')}${http}${data.error ? ' — ' + data.error : ''}`;
      } else {
        text = `Test failed: ${(data && (data.detail || data.title)) || 'HTTP ' + res.status}`;
      }
    } catch (err) {
      text = `Test failed: ${err.message}`;
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
    if (out) {
      out.className = `channel-test flash ${ok ? 'flash-success' : 'flash-error'}`;
      out.textContent = text;
    }
  }

  doc.addEventListener('click', (evt) => {
    const button = evt.target.closest('button[data-channel-test]');
    if (!button || button.disabled) return;
    evt.preventDefault();
    test(button);
  });

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();
})();
