// Keys view: the account's API keys, a new key shown once, and revoking.
// Revoking the key this tab signed in with signs it out.

import { $, button, fill, on, row, setText } from './dom.js';
import { call, get, keyID, path } from './api.js';
import { guard } from './problem.js';
import { when } from './format.js';

let lastID = '';

function state(k) {
  if (k.revoked_at) return 'revoked ' + when(k.revoked_at);
  if (k.expires_at && new Date(k.expires_at) < new Date()) return 'expired';
  return k.id === keyID() ? 'active (this session)' : 'active';
}

function keyRow(k) {
  const revoke = k.revoked_at ? '' : button('Revoke', () => revokeKey(k.id), { class: 'revoke danger' });
  const tr = row(k.id, k.scope, when(k.created_at), when(k.expires_at), (k.allowed_cidrs || []).join(', ') || 'anywhere',
    state(k), revoke);
  tr.dataset.key = k.id;
  return tr;
}

async function list(more) {
  const page = await get('/v1/keys', { limit: 100, starting_after: more ? lastID : '' });
  const rows = (page.data || []).map(keyRow);
  if (more) $('keys-rows').append(...rows);
  else fill('keys-rows', rows);
  if (page.data && page.data.length) lastID = page.data[page.data.length - 1].id;
  $('keys-more').hidden = !page.has_more;
}

async function create() {
  const req = {};
  const days = Number($('key-days').value || 0);
  if (days > 0) req.expires_in_seconds = Math.round(days * 86400);
  const cidrs = $('key-cidrs').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (cidrs.length) req.allowed_cidrs = cidrs;
  const k = await guard('keys-error', () => call('POST', '/v1/keys', req));
  if (!k) return;
  setText('key-secret', k.key);
  $('key-secret-box').hidden = false;
  await guard('keys-error', () => list(false));
}

async function revokeKey(id) {
  const ok = await guard('keys-error', () => call('DELETE', path`/v1/keys/${id}`));
  if (ok === undefined) return;
  await guard('keys-error', () => list(false));
}

// show lists the keys.
export const show = () => guard('keys-error', () => list(false));

// init wires the form and the one-time secret's dismissal.
export function init() {
  on('key-form', 'submit', create);
  on('keys-more', 'click', () => guard('keys-error', () => list(true)));
  on('key-secret-done', 'click', () => {
    setText('key-secret', '');
    $('key-secret-box').hidden = true;
  });
}
