// Supply view: the market's exits grouped by country, with how many are
// online, their median measured latency, spare capacity and lowest price.

import { $, fill, row, setText, on } from './dom.js';
import { guard } from './problem.js';
import { all } from './pages.js';
import { barChart } from './chart.js';
import { latency, rate, units } from './format.js';

// byCountry groups nodes as the table shows them, countries in order.
export function byCountry(nodes) {
  const groups = new Map();
  for (const n of nodes) {
    const c = (n.region && n.region.country) || '??';
    if (!groups.has(c)) groups.set(c, { country: c, total: 0, online: 0, spare: 0, latencies: [], minPrice: null });
    const g = groups.get(c);
    g.total++;
    if (n.status !== 'online') continue;
    g.online++;
    g.spare += Number(n.spare_bps) || 0;
    const lat = n.quality && n.quality.latency_micros;
    if (lat > 0) g.latencies.push(lat);
    const p = Number(n.price_micros_per_gb) || 0;
    if (g.minPrice === null || p < g.minPrice) g.minPrice = p;
  }
  return [...groups.values()].sort((a, b) => a.country.localeCompare(b.country));
}

// median of numbers, or 0 for none.
export function median(xs) {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function load() {
  const { items, truncated } = await all('/v1/nodes');
  const groups = byCountry(items);
  fill('supply-rows', groups.map((g) => {
    const tr = row(g.country, g.online, g.total, latency(median(g.latencies)), rate(g.spare),
      g.minPrice === null ? '-' : units(g.minPrice));
    tr.dataset.country = g.country;
    return tr;
  }));
  const online = groups.reduce((n, g) => n + g.online, 0);
  setText('supply-summary', `${online} of ${items.length} exits online in ${groups.length} countries` +
    (truncated ? ' (first pages only)' : '') + ', as of ' + new Date().toLocaleTimeString());
  barChart($('supply-chart'), groups.map((g) => ({ label: g.country, value: g.spare })), rate);
}

// show refreshes the view.
export const show = () => guard('supply-error', load);

// init wires the view's controls.
export function init() {
  on('supply-refresh', 'click', show);
}
