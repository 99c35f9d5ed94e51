// Showing failed calls: a problem's title, detail, code and request ID,
// each as text, in the view's error box.

import { $, el } from './dom.js';
import { scope } from './api.js';

// showProblem fills the box with id with what err says. A 403 also says
// that the key's scope does not reach this part of the API.
export function showProblem(id, err) {
  const box = $(id);
  const parts = [el('strong', { class: 'p-title', text: err.title || 'Error' })];
  const detail = err.detail || err.message || '';
  if (detail) parts.push(' ', el('span', { class: 'p-detail', text: detail }));
  if (err.status === 403) {
    parts.push(el('p', { class: 'p-hint', text: 'A ' + (scope() || 'this') + ' key may not use this part of the API.' }));
  }
  const meta = [];
  if (err.code) meta.push(el('span', {}, 'code ', el('code', { class: 'p-code', text: err.code })));
  if (err.requestId) meta.push(el('span', {}, 'request ', el('code', { class: 'p-request', text: err.requestId })));
  if (meta.length) parts.push(el('p', { class: 'p-meta' }, ...meta));
  box.replaceChildren(...parts);
  box.dataset.code = err.code || '';
  box.hidden = false;
}

// clearProblem empties and hides the box with id.
export function clearProblem(id) {
  const box = $(id);
  box.replaceChildren();
  box.dataset.code = '';
  box.hidden = true;
}

// guard runs fn, showing any error in the box with id; it returns fn's
// result, or undefined after an error.
export async function guard(id, fn) {
  try {
    const out = await fn();
    clearProblem(id);
    return out;
  } catch (err) {
    showProblem(id, err);
    return undefined;
  }
}
