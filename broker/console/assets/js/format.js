// Formatting of the API's integer units for people: micro-units of money,
// bytes, bytes per second, times.

// units formats micro-units as units with six decimals, exactly.
export function units(micros) {
  const n = BigInt(Math.trunc(Number(micros) || 0));
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const frac = String(abs % 1000000n).padStart(6, '0');
  return (neg ? '-' : '') + String(abs / 1000000n) + '.' + frac;
}

// bytes formats a byte count with a binary unit.
export function bytes(n) {
  n = Number(n) || 0;
  const names = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < names.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? n + ' B' : n.toFixed(1) + ' ' + names[i];
}

// rate formats bytes per second as Mbit/s.
export function rate(bps) {
  return ((Number(bps) || 0) * 8 / 1e6).toFixed(1) + ' Mbit/s';
}

// when formats an RFC 3339 time for tables; absent is "-".
export function when(s) {
  if (!s) return '-';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString();
}

// latency formats microseconds as milliseconds; 0 means unmeasured.
export function latency(micros) {
  return micros > 0 ? (micros / 1000).toFixed(1) + ' ms' : 'not measured';
}

const byteUnits = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

// parseBytes reads "1073741824", "500 MB" or "2 GiB" as a whole number of
// bytes; empty is 0 (the broker's default), anything else unreadable is
// an Error.
export function parseBytes(text) {
  const s = String(text).trim();
  if (s === '') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(s);
  const mult = m && byteUnits[m[2].toLowerCase()];
  if (!mult) throw new Error('max bytes: write a number of bytes, optionally with a unit such as MB or GiB');
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error('max bytes: out of range');
  return n;
}
