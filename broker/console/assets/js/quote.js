// Quote view: a coverage request built from the form, priced with
// POST /v1/coverage/quote, and bought as it is with POST /v1/leases.

import { $, on, setText } from './dom.js';
import { call } from './api.js';
import { clearProblem, guard, showProblem } from './problem.js';
import { parseBytes, rate, units } from './format.js';
import { go } from './nav.js';

// request reads the form as a LeaseRequest; unreadable input is an Error.
export function request() {
  const req = {};
  const coverage = {};
  const country = $('q-country').value.trim().toUpperCase();
  if (country) coverage.country = country;
  if ($('q-type').value) coverage.connection_type = $('q-type').value;
  if (Object.keys(coverage).length) req.coverage = coverage;
  const protocols = [];
  if ($('q-quic').checked) protocols.push('quic');
  if ($('q-wg').checked) protocols.push('wg');
  if (protocols.length) req.protocols = protocols;
  if ($('q-wg').checked) req.wireguard_public_key = $('q-wgkey').value.trim();
  req.exits = wholeNumber($('q-exits').value, 'exits') || undefined;
  req.max_bytes = parseBytes($('q-maxbytes').value) || undefined;
  const mbit = Number($('q-rate').value || 0);
  if (!(mbit >= 0)) throw new Error('rate: write a number of Mbit/s');
  if (mbit > 0) req.rate_bps = Math.round(mbit * 1e6 / 8);
  const minutes = wholeNumber($('q-duration').value, 'duration');
  if (minutes) req.duration_seconds = minutes * 60;
  req.mode = $('q-mode').value;
  return req;
}

function wholeNumber(text, what) {
  if (String(text).trim() === '') return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(what + ': write a whole number');
  return n;
}

function showQuote(q) {
  setText('quote-price-gb', units(q.price_micros_per_gb));
  setText('quote-price-hour', units(q.price_micros_per_hour));
  setText('quote-exits', q.available_exits);
  setText('quote-operators', q.operators);
  setText('quote-spare', rate(q.spare_bps));
  setText('quote-hold', units(q.hold_micros));
  const ql = q.quality || {};
  setText('quote-quality', ql.success_rate || ql.latency_ms || ql.throughput_bps
    ? `${Math.round((ql.success_rate || 0) * 100)}% success, ${ql.latency_ms || 0} ms, ${rate(ql.throughput_bps)}`
    : 'not measured yet');
  $('quote-result').hidden = false;
}

// formRequest reads the form, showing a mistake as a problem.
function formRequest() {
  try {
    return request();
  } catch (e) {
    showProblem('quote-error', { title: 'Check the form', detail: e.message });
    return null;
  }
}

async function quote() {
  const req = formRequest();
  if (!req) return;
  const q = await guard('quote-error', () => call('POST', '/v1/coverage/quote', req));
  if (q) showQuote(q);
}

async function buy() {
  const req = formRequest();
  if (!req) return;
  const lease = await guard('quote-error', () => call('POST', '/v1/leases', req));
  if (lease) go('leases', lease.id);
}

// show resets the view's messages.
export function show() {
  clearProblem('quote-error');
}

// init wires the form.
export function init() {
  on('quote-form', 'submit', quote);
  on('lease-btn', 'click', buy);
  on('q-wg', 'change', () => { $('q-wgkey-label').hidden = !$('q-wg').checked; });
}
