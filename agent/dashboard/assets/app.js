// SpareLink agent dashboard: polls the local status API every second and
// sends the owner's changes back. Everything goes through the API with the
// token; nothing is stored but the token, for this browser tab only.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = 'sparelink-agent-token';
  const HISTORY = 120; // seconds of traffic in the graph
  const samples = []; // {household, shared} in bytes per second, oldest first
  let token = '';
  let timer = null;
  let settings = null; // the agent's settings as last seen
  let dirty = false; // the form holds edits not yet saved

  const mbit = (bps) => (bps * 8 / 1e6).toFixed(1) + ' Mbit/s';
  const gb = (b) => (b / 1e9).toFixed(2) + ' GB';
  const units = (m) => (m / 1e6).toFixed(6);
  const toBps = (mbitText) => Math.round(Number(mbitText || 0) * 1e6 / 8);
  const toMbit = (bps) => String(Math.round(bps * 8 / 1e6 * 1000) / 1000);
  const date = (s) => new Date(s).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  const clock = (s) => new Date(s).toLocaleTimeString();

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      cache: 'no-store',
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) {
      signOut('The agent did not accept this token.');
    }
    if (!res.ok) {
      throw new Error(data.detail || res.statusText);
    }
    return data;
  }

  async function signIn(candidate) {
    token = candidate.trim();
    if (!token) return;
    try {
      const st = await api('GET', '/v1/status');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('login').hidden = true;
      $('main').hidden = false;
      render(st);
      fillForm(st.settings);
      clearInterval(timer);
      timer = setInterval(poll, 1000);
    } catch (e) {
      $('login-error').textContent = 'Sign-in failed: ' + e.message;
    }
  }

  function signOut(message) {
    clearInterval(timer);
    sessionStorage.removeItem(TOKEN_KEY);
    $('main').hidden = true;
    $('login').hidden = false;
    $('pause-btn').hidden = $('resume-btn').hidden = true;
    $('login-error').textContent = message;
  }

  async function poll() {
    try {
      render(await api('GET', '/v1/status'));
    } catch (e) {
      $('updated').textContent = 'failed at ' + new Date().toLocaleTimeString() + ': ' + e.message;
    }
  }

  function render(st) {
    settings = st.settings;
    $('node-id').textContent = st.node_id;
    renderSharing(st);
    const c = st.capacity;
    $('household-rate').textContent = mbit(c.household_up_bps) + ' / ' + mbit(c.household_down_bps);
    $('shared-rate').textContent = mbit(c.relay_bps);
    $('link-rate').textContent = mbit(c.link_up_bps) + ' / ' + mbit(c.link_down_bps);
    $('spare-rate').textContent = mbit(c.spare_bps);
    $('tunnels').textContent = String(st.active_tunnels);
    renderUsage(st.usage, st.earnings);
    renderBroker(st.earnings, c);
    renderSessions(st.sessions || []);
    samples.push({ household: c.household_up_bps + c.household_down_bps, shared: c.relay_bps });
    if (samples.length > HISTORY) samples.shift();
    drawGraph();
    $('updated').textContent = clock(st.at);
    if (!dirty) fillForm(st.settings);
  }

  function renderSharing(st) {
    const s = st.serving;
    const on = s.tunnels && s.new_leases;
    $('state').textContent = on ? 'Sharing' : (st.settings.paused ? 'Paused' : 'Not sharing');
    $('state').className = 'badge ' + (on ? 'on' : 'off');
    $('sharing').textContent = on ? 'Sharing spare capacity' : (s.detail || 'Not sharing');
    $('effective-cap').textContent = s.cap_bps > 0 ? mbit(s.cap_bps) : 'none';
    $('owner-cap').textContent = s.owner_cap_bps > 0 ? mbit(s.owner_cap_bps) : 'none';
    $('offering').textContent = mbit(s.spare_bps);
    $('schedule-note').textContent = st.settings.schedule
      ? st.settings.schedule + (s.schedule_change ? ' (changes ' + new Date(s.schedule_change).toLocaleString() + ')' : '')
      : 'always';
    $('broker-state').textContent = !st.registered ? 'not registered'
      : st.heartbeat_error ? 'heartbeat failed: ' + st.heartbeat_error : 'registered';
    $('reachability').textContent = st.reachability;
    $('traversal').textContent = traversal(st.traversal);
    $('pause-btn').hidden = st.settings.paused;
    $('resume-btn').hidden = !st.settings.paused;
  }

  function traversal(t) {
    if (!t) return 'not enabled';
    let how = t.path === 'direct' ? 'buyers dial the exit directly'
      : !t.relay ? 'buyers punch a hole; no relay assigned yet'
      : 'buyers punch a hole or use relay ' + t.relay + (t.relay_connected ? ' (connected)' : ' (not connected)');
    return 'NAT mapping ' + t.nat_mapping + ', filtering ' + t.nat_filtering + '; ' + how +
      '; ' + t.open_paths + ' punched paths open';
  }

  function renderUsage(u, e) {
    $('usage-text').textContent = u.quota_bytes > 0
      ? gb(u.used_bytes) + ' of ' + gb(u.quota_bytes) + ' quota'
      : gb(u.used_bytes) + ' (no quota)';
    $('usage-bar').value = u.quota_bytes > 0 ? Math.min(u.used_bytes / u.quota_bytes, 1) : 0;
    $('usage-period').textContent = 'Since ' + date(u.period_start) + ', resets ' + date(u.period_end);
    $('earned').textContent = units(e.earned_micros) + ' earned';
    $('available').textContent = e.error ? 'Broker: ' + e.error : units(e.available_micros) + ' available';
  }

  function renderBroker(e, c) {
    const b = e.broker;
    $('agent-line').textContent = mbit(c.link_up_bps) + ' up / ' + mbit(c.link_down_bps) + ' down';
    if (!b) {
      for (const id of ['broker-listing', 'broker-line', 'broker-checks']) $(id).textContent = 'not fetched yet';
    } else {
      $('broker-listing').textContent = b.available ? 'available for new leases'
        : 'not taking new leases (' + (b.unavailable_reason || 'unknown') + ')';
      $('broker-line').textContent = b.measured_at
        ? mbit(b.measured_up_bps || 0) + ' up / ' + mbit(b.measured_down_bps || 0) + ' down, ' + date(b.measured_at)
        : 'not measured yet';
      $('broker-checks').textContent = b.checks > 0
        ? b.check_successes + ' of ' + b.checks + ' answered' +
          (b.latency_micros ? ', ' + (b.latency_micros / 1000).toFixed(1) + ' ms round trip' : '')
        : 'not checked yet';
    }
    const body = $('statements');
    body.replaceChildren();
    const list = e.statements || [];
    if (list.length === 0) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = 4;
      cell.className = 'muted';
      cell.textContent = 'Nothing settled in the last seven days.';
      return;
    }
    for (const s of list) {
      const row = body.insertRow();
      for (const text of [date(s.period_start), gb(s.bytes), units(s.fee_micros), units(s.net_micros)]) {
        row.insertCell().textContent = text;
      }
    }
  }

  function renderSessions(list) {
    const body = $('sessions');
    body.replaceChildren();
    if (list.length === 0) {
      const row = body.insertRow();
      const cell = row.insertCell();
      cell.colSpan = 4;
      cell.className = 'muted';
      cell.textContent = 'No buyer traffic in the last minute.';
      return;
    }
    for (const s of list) {
      const row = body.insertRow();
      for (const text of [s.lease_id, gb(s.up_bytes), gb(s.down_bytes), clock(s.last_active)]) {
        row.insertCell().textContent = text;
      }
    }
  }

  function drawGraph() {
    const canvas = $('graph');
    const ctx = canvas.getContext('2d');
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const top = Math.max(1, ...samples.map((p) => Math.max(p.household, p.shared))) * 1.15;
    ctx.fillStyle = '#687182';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(mbit(top), 4, 14);
    const style = getComputedStyle(document.documentElement);
    plot(ctx, 'household', style.getPropertyValue('--household'), top, w, h);
    plot(ctx, 'shared', style.getPropertyValue('--shared'), top, w, h);
    canvas.dataset.samples = String(samples.length);
  }

  function plot(ctx, key, color, top, w, h) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    samples.forEach((p, i) => {
      const x = w - (samples.length - 1 - i) * (w / (HISTORY - 1));
      const y = h - (p[key] / top) * (h - 20);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  function fillForm(s) {
    $('max-up').value = toMbit(s.max_up_bps);
    $('max-down').value = toMbit(s.max_down_bps);
    $('quota').value = String(s.monthly_quota_bytes / 1e9);
    $('reset-day').value = String(s.quota_reset_day || 1);
    $('schedule').value = s.schedule;
    $('only-idle').checked = s.only_when_idle;
    $('idle-below').value = toMbit(s.idle_below_bps || 125000);
    $('max-leases').value = String(s.max_leases);
    $('web-only').checked = s.egress_web_only;
    $('egress-allow').value = (s.egress_allow || []).join('\n');
    $('egress-deny').value = (s.egress_deny || []).join('\n');
    dirty = false;
  }

  function readForm() {
    const lines = (id) => $(id).value.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return Object.assign({}, settings, {
      max_up_bps: toBps($('max-up').value),
      max_down_bps: toBps($('max-down').value),
      monthly_quota_bytes: Math.round(Number($('quota').value || 0) * 1e9),
      quota_reset_day: Math.round(Number($('reset-day').value || 1)),
      schedule: $('schedule').value.trim(),
      only_when_idle: $('only-idle').checked,
      idle_below_bps: toBps($('idle-below').value),
      max_leases: Math.round(Number($('max-leases').value || 0)),
      egress_web_only: $('web-only').checked,
      egress_allow: lines('egress-allow'),
      egress_deny: lines('egress-deny'),
    });
  }

  async function save(event) {
    event.preventDefault();
    $('save-msg').textContent = 'Saving…';
    try {
      fillForm(await api('PUT', '/v1/settings', readForm()));
      $('save-msg').textContent = 'Saved at ' + new Date().toLocaleTimeString();
      poll();
    } catch (e) {
      $('save-msg').textContent = 'Not saved: ' + e.message;
    }
  }

  async function setPaused(paused) {
    try {
      await api('POST', paused ? '/v1/pause' : '/v1/resume');
      poll();
    } catch (e) {
      $('save-msg').textContent = e.message;
    }
  }

  $('login-btn').addEventListener('click', () => signIn($('token').value));
  $('token').addEventListener('keydown', (e) => { if (e.key === 'Enter') signIn($('token').value); });
  $('settings').addEventListener('input', () => { dirty = true; });
  $('settings').addEventListener('submit', save);
  $('revert-btn').addEventListener('click', () => { if (settings) fillForm(settings); });
  $('pause-btn').addEventListener('click', () => setPaused(true));
  $('resume-btn').addEventListener('click', () => setPaused(false));

  // `sparelink-agent dashboard` prints a link with the token after "#",
  // which browsers never send to a server; take it and clear the address.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink) window.history.replaceState(null, '', location.pathname);
  signIn(fromLink || sessionStorage.getItem(TOKEN_KEY) || '');
})();
