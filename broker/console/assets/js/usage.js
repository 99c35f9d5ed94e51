// Usage view: a lease's settled usage per exit, polled every few seconds
// while the view is open, and a chart of spend over time built from the
// successive polls.

import { $, el, fill, on, row, setText } from './dom.js';
import { get, path } from './api.js';
import { guard } from './problem.js';
import { all } from './pages.js';
import { lineChart } from './chart.js';
import { bytes, units } from './format.js';
import { active } from './nav.js';

const POLL_MS = 3000;
const MAX_SAMPLES = 200;

let lease = '';
let samples = []; // {t: ms, v: charged micros}, oldest first
let timer = null;

async function poll() {
  if (!lease) return;
  const id = lease;
  const u = await get(path`/v1/leases/${id}/usage`);
  if (id !== lease) return; // the buyer picked another lease meanwhile
  const exits = u.exits || [];
  fill('usage-rows', exits.map((x) => row(x.node_id, x.seq, bytes(x.bytes_up), bytes(x.bytes_down), units(x.charged_micros))));
  const up = exits.reduce((n, x) => n + (Number(x.bytes_up) || 0), 0);
  const down = exits.reduce((n, x) => n + (Number(x.bytes_down) || 0), 0);
  setText('usage-charged', units(u.charged_micros));
  setText('usage-bytes', bytes(up) + ' / ' + bytes(down));
  setText('usage-updated', new Date().toLocaleTimeString());
  samples.push({ t: Date.now(), v: Number(u.charged_micros) || 0 });
  if (samples.length > MAX_SAMPLES) samples.shift();
  lineChart($('usage-chart'), samples, units);
  setText('usage-rate', spendRate(samples));
}

// spendRate is the spend per hour over the last minute of samples.
export function spendRate(points) {
  const last = points[points.length - 1];
  const first = points.find((p) => last.t - p.t <= 60000);
  if (!first || last.t === first.t) return 'measuring…';
  const perHour = (last.v - first.v) * 3600000 / (last.t - first.t);
  return units(Math.round(perHour)) + ' per hour';
}

function tick() {
  if (active() !== 'usage') {
    clearInterval(timer);
    timer = null;
    return;
  }
  guard('usage-error', poll);
}

function pick(id) {
  if (id === lease) return;
  lease = id;
  samples = [];
  lineChart($('usage-chart'), samples, units);
  fill('usage-rows', []);
  for (const f of ['usage-charged', 'usage-bytes', 'usage-rate']) setText(f, '…');
}

async function leases(selected) {
  const { items } = await all('/v1/leases');
  fill('usage-lease', items.map((l) => el('option', { value: l.id, text: `${l.id} (${l.status})` })));
  const id = selected || lease || (items.find((l) => l.status === 'active') || items[0] || {}).id || '';
  $('usage-lease').value = id;
  pick(id);
}

// show lists the leases to choose from, picks id (or the last one, or an
// active one) and starts polling.
export async function show(id) {
  await guard('usage-error', () => leases(id));
  tick();
  if (!timer) timer = setInterval(tick, POLL_MS);
}

// init wires the lease picker.
export function init() {
  on('usage-lease', 'change', () => {
    pick($('usage-lease').value);
    tick();
  });
}
