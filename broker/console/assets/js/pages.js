// Reading listings, which page by starting_after (docs/api.md).

import { get } from './api.js';

// MAX_PAGES bounds how much of a listing the console reads at once.
const MAX_PAGES = 20;

// all reads every page of a listing, up to MAX_PAGES of 500, and returns
// the items and whether more were left unread.
export async function all(path, params = {}) {
  const items = [];
  let after = '';
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await get(path, { ...params, limit: 500, starting_after: after });
    const data = Array.isArray(page.data) ? page.data : [];
    items.push(...data);
    if (!page.has_more || data.length === 0) return { items, truncated: false };
    after = data[data.length - 1].id;
  }
  return { items, truncated: true };
}
