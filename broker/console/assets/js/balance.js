// Balance view: the account's balance and its ledger entries, one page at
// a time (starting_after the last entry shown).

import { $, fill, on, row, setText } from './dom.js';
import { get } from './api.js';
import { guard } from './problem.js';
import { units, when } from './format.js';

const PAGE = 20;
let last = ''; // the last entry on the current page
let page = 1;

async function balance() {
  const b = await get('/v1/balance');
  setText('balance-available', units(b.available_micros));
  setText('balance-held', units(b.held_micros));
  setText('balance-earned', units(b.earned_micros));
}

async function ledger(startAfter, number) {
  const list = await get('/v1/ledger', { limit: PAGE, starting_after: startAfter });
  const entries = list.data || [];
  fill('ledger-rows', entries.map((e) => {
    const tr = row(e.id, when(e.created_at), e.kind, e.book, units(e.amount_micros), e.lease_id || '-');
    tr.dataset.entry = String(e.id);
    return tr;
  }));
  last = entries.length ? String(entries[entries.length - 1].id) : '';
  page = number;
  $('ledger-next').hidden = !list.has_more;
  setText('ledger-page', `page ${page}`);
}

// show refreshes the balance and the first page of the ledger.
export async function show() {
  await guard('balance-error', async () => {
    await balance();
    await ledger('', 1);
  });
}

// init wires the ledger's paging.
export function init() {
  on('ledger-first', 'click', () => guard('balance-error', () => ledger('', 1)));
  on('ledger-next', 'click', () => guard('balance-error', () => ledger(last, page + 1)));
}

