// Webhooks view: the account's webhooks, adding one (its signing secret
// shown once) and deleting one.

import { $, button, fill, on, row, setText } from './dom.js';
import { call, get, path } from './api.js';
import { guard } from './problem.js';
import { when } from './format.js';

function hookRow(h) {
  const tr = row(h.id, h.url, (h.events || []).join(', '), when(h.created_at),
    button('Delete', () => remove(h.id), { class: 'delete danger' }));
  tr.dataset.webhook = h.id;
  return tr;
}

async function list() {
  const page = await get('/v1/webhooks', { limit: 100 });
  fill('hooks-rows', (page.data || []).map(hookRow));
}

async function create() {
  const events = [...document.querySelectorAll('#hook-form input[type=checkbox]')]
    .filter((c) => c.checked).map((c) => c.value);
  const req = { url: $('hook-url').value.trim(), events };
  const h = await guard('hooks-error', () => call('POST', '/v1/webhooks', req));
  if (!h) return;
  setText('hook-secret', h.secret || '');
  $('hook-secret-box').hidden = false;
  $('hook-url').value = '';
  await guard('hooks-error', list);
}

async function remove(id) {
  const ok = await guard('hooks-error', () => call('DELETE', path`/v1/webhooks/${id}`));
  if (ok === undefined) return;
  await guard('hooks-error', list);
}

// show lists the webhooks.
export const show = () => guard('hooks-error', list);

// init wires the form and the one-time secret's dismissal.
export function init() {
  on('hook-form', 'submit', create);
  on('hook-secret-done', 'click', () => {
    setText('hook-secret', '');
    $('hook-secret-box').hidden = true;
  });
}
