// The broker's REST API as the console calls it: fetch with the key as a
// bearer token, JSON in and out, and problems (RFC 9457) turned into
// ApiError. The key lives in this tab's sessionStorage only: never in a
// URL, a cookie or localStorage.

const STORAGE = 'sparelink-console-key';

// ApiError is a failed call: the problem's fields, or a stand-in for an
// answer that was no problem (a network failure, a proxy's page).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || 'request failed');
    this.status = status;
    this.title = problem.title || 'Request failed';
    this.detail = problem.detail || '';
    this.code = problem.code || '';
    this.requestId = problem.request_id || '';
  }
}

let key = sessionStorage.getItem(STORAGE) || '';
let unauthorized = () => {};

// savedKey is the key kept for this tab, or "".
export const savedKey = () => key;

// setKey keeps key for this tab; "" forgets it.
export function setKey(k) {
  key = k;
  if (k) sessionStorage.setItem(STORAGE, k);
  else sessionStorage.removeItem(STORAGE);
}

// scope is the scope the key names (sl_<scope>_<id>_<secret>).
export const scope = () => key.split('_')[1] || '';

// keyID is the ID of the key in use.
export const keyID = () => key.split('_')[2] || '';

// onUnauthorized sets what happens when the broker stops accepting the
// key (revoked, expired): the console signs out and says why.
export function onUnauthorized(fn) {
  unauthorized = fn;
}

// idempotencyKey is a fresh random key for one POST.
function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'console-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// call sends one request and returns the decoded answer (null for 204).
export async function call(method, path, body) {
  const headers = { Authorization: 'Bearer ' + key };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey();
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: 'the broker did not answer: ' + e.message });
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok && data !== null) return data;
  const err = new ApiError(res.status, problemOf(res, data));
  if (res.status === 401) unauthorized(err);
  throw err;
}

// problemOf reads a problem body, or makes one from the status line.
function problemOf(res, data) {
  if (data && typeof data === 'object' && typeof data.title === 'string') return data;
  return {
    title: res.statusText || 'HTTP ' + res.status,
    detail: 'the broker answered ' + res.status + ' without a problem body',
    request_id: res.headers.get('X-Request-Id') || '',
  };
}

// get is call('GET', path) with query parameters; empty values are left out.
export function get(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return call('GET', qs ? path + '?' + qs : path);
}

// path builds a path from literal parts and IDs, escaping the IDs.
export function path(strings, ...ids) {
  return strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(ids[i]) : ''), '');
}
