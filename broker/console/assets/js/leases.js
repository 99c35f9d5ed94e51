// Leases view: the buyer's leases, one lease with its exits and their
// credentials (hidden until asked for), and closing a lease.

import { $, button, el, fill, on, row, setText } from './dom.js';
import { call, get, path } from './api.js';
import { guard } from './problem.js';
import { bytes, rate, units, when } from './format.js';
import { go } from './nav.js';

let shown = ''; // the lease in the detail pane
let lastID = ''; // the last lease listed, for the next page

function leaseRow(l) {
  const tr = row(l.id, l.status, (l.exits || []).length, units(l.price_micros_per_gb), bytes(l.max_bytes),
    when(l.expires_at), button('Open', () => open(l.id), { class: 'open-lease' }));
  tr.dataset.lease = l.id;
  return tr;
}

async function list(more) {
  const page = await get('/v1/leases', { limit: 50, starting_after: more ? lastID : '' });
  const rows = (page.data || []).map(leaseRow);
  if (more) $('leases-rows').append(...rows);
  else fill('leases-rows', rows);
  if (page.data && page.data.length) lastID = page.data[page.data.length - 1].id;
  $('leases-more').hidden = !page.has_more;
}

// credentials is an exit's access as text, behind a show/hide toggle.
function credentials(x) {
  const lines = [];
  if (x.quic) lines.push('QUIC ' + x.quic.addr, 'node key ' + x.quic.public_key, 'token ' + (x.quic.token || '(none)'));
  if (x.wireguard) lines.push('WireGuard ' + x.wireguard.endpoint, '', x.wireguard.config);
  if (!lines.length) return el('span', { class: 'muted', text: 'none (lease not active)' });
  const pre = el('pre', { class: 'cred', hidden: true, text: lines.join('\n') });
  const toggle = button('show', () => {
    pre.hidden = !pre.hidden;
    toggle.textContent = pre.hidden ? 'show' : 'hide';
  }, { class: 'cred-toggle' });
  return el('div', {}, toggle, pre);
}

function exitRow(x) {
  const r = x.region || {};
  const region = [r.country, r.subdivision, r.city].filter(Boolean).join(' / ');
  const tr = row(x.node_id, region, x.connection_type, x.asn || '-', credentials(x));
  tr.dataset.node = x.node_id;
  return tr;
}

function facts(l) {
  const pairs = [['Price / GB', units(l.price_micros_per_gb)], ['Hold', units(l.hold_micros)],
    ['Max bytes', bytes(l.max_bytes)], ['Rate per exit', l.rate_bps ? rate(l.rate_bps) : 'unlimited'],
    ['Mode', l.mode], ['Protocols', (l.protocols || []).join(', ')], ['Created', when(l.created_at)],
    ['Expires', when(l.expires_at)], ['Closed', when(l.closed_at)]];
  return pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]);
}

function render(l) {
  shown = l.id;
  setText('lease-id', l.id);
  setText('lease-status', l.status);
  fill('lease-facts', facts(l));
  fill('lease-exits', (l.exits || []).map(exitRow));
  $('lease-close-btn').hidden = l.status !== 'active';
  $('lease-detail').hidden = false;
}

// open shows one lease with fresh credentials.
async function open(id) {
  const l = await guard('leases-error', () => get(path`/v1/leases/${id}`));
  if (l) render(l);
}

async function close() {
  const l = await guard('leases-error', () => call('POST', path`/v1/leases/${shown}/close`, {}));
  if (!l) return;
  render(l);
  await guard('leases-error', () => list(false));
}

// show lists the leases and, given an ID, opens that lease.
export async function show(id) {
  await guard('leases-error', () => list(false));
  if (id) await open(id);
}

// init wires the view's controls.
export function init() {
  on('leases-refresh', 'click', () => show(shown));
  on('leases-more', 'click', () => guard('leases-error', () => list(true)));
  on('lease-close-btn', 'click', close);
  on('lease-usage-btn', 'click', () => go('usage', shown));
}
