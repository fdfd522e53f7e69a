/* callbridge web console: login, live calls over the WebSocket /v1/events
 * (polling GET /v1/calls while it is down), new call, hang up, logout.
 * Plain JS, same origin only; every state-changing request carries the
 * session's CSRF token in X-CSRF-Token. */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', calls: new Map(), ws: null, wsDelay: 1000,
                  pollTimer: 0, refreshTimer: 0, tick: 0, on: false };

  async function api(method, path, body) {
    const h = {};
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.csrf) h['X-CSRF-Token'] = state.csrf;
    const r = await fetch(path, { method, headers: h,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && state.on) showLogin('Your session ended.');
    return { status: r.status, data };
  }

  function errText(res, fallback) {
    const e = res.data && res.data.error;
    if (!e) return fallback;
    return e.field ? e.message + ' (' + e.field + ')' : e.message;
  }

  /* ---- views ------------------------------------------------------- */

  function showLogin(msg) {
    stopLive();
    state.on = false;
    state.csrf = '';
    state.calls.clear();
    $('account').hidden = true;
    $('dash-view').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = msg || '';
    $('password').value = '';
    $('login').focus();
  }

  function showDash(me) {
    state.on = true;
    state.csrf = me.csrf_token || '';
    $('who').textContent = (me.login || 'signed in') +
      (me.role ? ' · ' + me.role : '');
    $('login-view').hidden = true;
    $('account').hidden = false;
    $('dash-view').hidden = false;
    render();
    refresh();
    connect();
    if (!state.tick) state.tick = setInterval(updateTimes, 1000);
  }

  /* ---- calls ------------------------------------------------------- */

  function callStatus(c) {
    const st = c.legs.map((l) => l.state);
    if (st.length && st.every((s) => s === 'ended')) return 'ended';
    if (st.some((s) => s === 'answered' || s === 'held')) return 'connected';
    if (st.some((s) => s === 'ringing' || s === 'early')) return 'ringing';
    return 'dialling';
  }

  const STATUS_TEXT = { connected: 'Connected', ringing: 'Ringing',
                        dialling: 'Dialling', ended: 'Ended' };

  function pill(cls, text) {
    const s = document.createElement('span');
    s.className = 'pill s-' + cls;
    s.textContent = text;
    return s;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtDur(ms) {
    if (!(ms > 0)) return '0:00';
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    const h = Math.floor(m / 60);
    const mm = h ? String(m % 60).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s % 60).padStart(2, '0');
  }

  function callTime(c) {
    const ans = c.legs.map((l) => l.answered_ms).filter((t) => t > 0);
    const end = c.legs.map((l) => l.ended_ms);
    const t0 = ans.length ? Math.min(...ans)
      : Math.min(...c.legs.map((l) => l.created_ms));
    const ended = end.length && end.every((t) => t > 0);
    const t1 = ended ? Math.max(...end) : Date.now();
    return (ans.length ? 'talking ' : 'waiting ') + fmtDur(t1 - t0);
  }

  function legRow(l) {
    const tr = el('tr');
    tr.dataset.legId = l.id;
    tr.appendChild(el('td', 'peer', l.peer || '—'));
    tr.appendChild(el('td', 'opt', l.direction));
    const td = el('td', 'state');
    const failed = l.state === 'ended' && l.cause !== 'normal' &&
      l.cause !== 'none';
    td.appendChild(pill(failed ? 'failed' : l.state, l.state));
    tr.appendChild(td);
    tr.appendChild(el('td', 'opt', l.state === 'ended' ? l.cause : ''));
    tr.appendChild(el('td', 'num opt', l.rtp ?
      l.rtp.rx + ' / ' + l.rtp.tx : ''));
    return tr;
  }

  function callItem(c) {
    const status = callStatus(c);
    const li = el('li', 'call');
    li.dataset.callId = c.id;
    li.dataset.status = status;
    li.setAttribute('aria-label', 'Call ' + c.id + ', ' +
      STATUS_TEXT[status]);

    const head = el('div', 'call-head');
    const peers = c.legs.map((l) => l.peer).filter(Boolean);
    head.appendChild(el('span', 'call-title', peers.join(' ↔ ') || c.id));
    const st = pill(status, STATUS_TEXT[status]);
    st.classList.add('call-status');
    head.appendChild(st);
    head.appendChild(el('span', 'call-time', callTime(c)));
    head.appendChild(el('span', 'call-id', c.id));
    const b = el('button', 'btn btn-danger hangup', 'Hang up');
    b.type = 'button';
    b.disabled = status === 'ended';
    b.setAttribute('aria-label', 'Hang up call ' + (peers.join(' and ') ||
      c.id));
    b.addEventListener('click', () => hangup(c.id, b));
    head.appendChild(b);
    li.appendChild(head);

    const t = el('table', 'legs');
    const cap = el('caption', 'skip', 'Legs of call ' + c.id);
    t.appendChild(cap);
    const hr = el('tr');
    [['Party', ''], ['Direction', 'opt'], ['State', ''], ['Cause', 'opt'],
     ['RTP rx / tx', 'opt']].forEach(([h, cls]) => {
      const th = el('th', cls, h);
      th.scope = 'col';
      hr.appendChild(th);
    });
    const thead = el('thead');
    thead.appendChild(hr);
    t.appendChild(thead);
    const tb = el('tbody');
    c.legs.forEach((l) => tb.appendChild(legRow(l)));
    t.appendChild(tb);
    li.appendChild(t);
    return li;
  }

  function render() {
    const ul = $('calls');
    const list = [...state.calls.values()].sort((a, b) =>
      (callStatus(a) === 'ended') - (callStatus(b) === 'ended') ||
      (b.legs[0] ? b.legs[0].created_ms : 0) -
      (a.legs[0] ? a.legs[0].created_ms : 0));
    const focused = document.activeElement &&
      document.activeElement.closest && document.activeElement.closest('.call');
    const focusId = focused ? focused.dataset.callId : null;
    ul.replaceChildren(...list.map(callItem));
    if (focusId) {
      const b = ul.querySelector('[data-call-id="' + CSS.escape(focusId) +
                                 '"] .hangup');
      if (b && !b.disabled) b.focus();
    }
    const live = list.filter((c) => callStatus(c) !== 'ended').length;
    $('count').textContent = String(live);
    $('empty').hidden = list.length > 0;
  }

  function updateTimes() {
    document.querySelectorAll('.call').forEach((li) => {
      const c = state.calls.get(li.dataset.callId);
      const t = li.querySelector('.call-time');
      if (c && t) t.textContent = callTime(c);
    });
  }

  async function refresh() {
    const r = await api('GET', '/v1/calls');
    if (r.status !== 200 || !r.data) return;
    state.calls = new Map(r.data.calls.map((c) => [c.id, c]));
    render();
  }

  function refreshSoon() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = 0;
      refresh();
    }, 60);
  }

  async function hangup(id, btn) {
    btn.disabled = true;
    btn.textContent = 'Hanging up…';
    const r = await api('DELETE', '/v1/calls/' + encodeURIComponent(id));
    if (r.status >= 300) {
      btn.disabled = false;
      btn.textContent = 'Hang up';
      alert('Could not hang up: ' + errText(r, 'error ' + r.status));
    }
    refreshSoon();
  }

  /* ---- live updates ------------------------------------------------ */

  function setLive(mode) {
    const l = $('live');
    l.className = 'live live-' + mode;
    l.textContent = mode === 'on' ? 'Live' :
      mode === 'poll' ? 'Reconnecting · polling' : 'Offline';
  }

  function startPolling() {
    if (!state.pollTimer) state.pollTimer = setInterval(refresh, 2000);
  }

  function stopPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = 0;
  }

  function connect() {
    if (!state.on || state.ws) return;
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    let ws;
    try {
      ws = new WebSocket(proto + location.host + '/v1/events');
    } catch (e) {
      setLive('poll');
      startPolling();
      return;
    }
    state.ws = ws;
    ws.onopen = () => {
      state.wsDelay = 1000;
      stopPolling();
      setLive('on');
      refresh();
    };
    ws.onmessage = (m) => {
      let ev = null;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      if (ev && ev.call_id) refreshSoon();
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      state.ws = null;
      if (!state.on) return;
      setLive('poll');
      startPolling();
      setTimeout(connect, state.wsDelay);
      state.wsDelay = Math.min(state.wsDelay * 2, 15000);
    };
  }

  function stopLive() {
    stopPolling();
    clearInterval(state.tick);
    state.tick = 0;
    if (state.ws) {
      const ws = state.ws;
      state.ws = null;
      ws.close();
    }
    setLive('off');
  }

  /* ---- forms ------------------------------------------------------- */

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = $('login').value.trim();
    const password = $('password').value;
    if (!login || !password) {
      $('login-error').textContent = 'Enter your login and password.';
      return;
    }
    $('login-submit').disabled = true;
    $('login-error').textContent = '';
    try {
      const r = await api('POST', '/v1/auth/login', { login, password });
      if (r.status === 200) {
        const u = r.data.user || {};
        showDash({ csrf_token: r.data.csrf_token, login: u.login,
                   role: u.role });
      } else if (r.status === 429) {
        $('login-error').textContent =
          'Too many failed attempts. Wait a moment and try again.';
      } else {
        $('login-error').textContent =
          errText(r, 'Sign-in failed (' + r.status + ').');
      }
    } catch (err) {
      $('login-error').textContent = 'Cannot reach callbridge.';
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('call-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const to = $('to').value.trim();
    const bridge = $('bridge_to').value.trim();
    if (!to) {
      $('call-error').textContent = 'Enter a number to call.';
      $('to').focus();
      return;
    }
    const body = { to };
    if (bridge) body.bridge_to = bridge;
    $('call-submit').disabled = true;
    $('call-error').textContent = '';
    try {
      const r = await api('POST', '/v1/calls', body);
      if (r.status >= 300) {
        $('call-error').textContent =
          errText(r, 'Could not place the call (' + r.status + ').');
      } else {
        if (r.data && r.data.id && Array.isArray(r.data.legs))
          state.calls.set(r.data.id, r.data);
        render();
        refreshSoon();
      }
    } finally {
      $('call-submit').disabled = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/v1/auth/logout'); } catch (e) { /* gone */ }
    showLogin('You are signed out.');
  });

  /* ---- start ------------------------------------------------------- */

  (async () => {
    try {
      const r = await api('GET', '/v1/me');
      if (r.status === 200 && r.data && r.data.auth === 'session') {
        showDash({ csrf_token: r.data.csrf_token, role: r.data.role,
                   login: r.data.user_id });
        return;
      }
    } catch (e) { /* not signed in */ }
    showLogin('');
  })();
})();
