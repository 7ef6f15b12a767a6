/* Vigil dashboard: the channel pages. Plain ES2020, safe under the dashboard's CSP. (vigil.js
 * switches the type-specific fieldsets: select[data-fieldset-switch].)
 *
 *   button[data-channel-test=URL]             POSTs URL (a channel test) and writes the outcome
 *                                             into the element its aria-describedby names
 */
(() => {
  'use strict';

  const doc = document;
  const csrfToken = () => doc.querySelector('meta[name="vigil-csrf"]')?.content || '';

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
})();
