/* callbridge web console.  Views (picked by the URL's #fragment and the
 * role): Dashboard -- live calls over the WebSocket /v1/events (polling
 * GET /v1/calls while it is down), new call, hang up; API keys -- list,
 * create (the key is shown once), revoke; Users -- list, add, delete;
 * Tenants (admins) -- list, create, set the webhook URL.  Agents and
 * customers have no views yet.  Plain JS, same origin only; every
 * state-changing request carries the session's CSRF token in
 * X-CSRF-Token. */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', me: null, calls: new Map(), ws: null,
                  wsDelay: 1000, pollTimer: 0, refreshTimer: 0, tick: 0,
                  on: false, tenants: new Map(), view: '' };

  const MANAGERS = ['admin', 'operator'];
  /* which roles see which view */
  const VIEWS = {
    dash: { el: 'dash-view', roles: MANAGERS, title: 'Dashboard' },
    keys: { el: 'keys-view', roles: MANAGERS, title: 'API keys' },
    users: { el: 'users-view', roles: MANAGERS, title: 'Users' },
    tenants: { el: 'tenants-view', roles: ['admin'], title: 'Tenants' },
    contact: { el: 'contact-view', roles: MANAGERS,
               title: 'Contact centre' },
    none: { el: 'none-view', roles: ['agent', 'customer'],
            title: 'Signed in' },
  };

  /* web/api.js */
  const api = window.cbApi.client(state,
    () => showLogin('Your session ended.'));
  const { errText, el } = window.cbApi;

  function pill(cls, text) {
    const s = el('span', 'pill s-' + cls, text);
    return s;
  }

  function fmtDate(ms) {
    if (!(ms > 0)) return '—';
    return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium',
      timeStyle: 'short' });
  }

  function isAdmin() { return state.me && state.me.role === 'admin'; }

  function tenantName(id) {
    const t = state.tenants.get(id);
    return t ? t.name : id;
  }

  /* ---- confirmation dialog ----------------------------------------- */

  function confirmDialog(title, text, okLabel) {
    const d = $('confirm');
    const back = document.activeElement;
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel;
    d.returnValue = '';
    return new Promise((resolve) => {
      d.addEventListener('close', () => {
        if (back && back.focus && document.contains(back)) back.focus();
        resolve(d.returnValue === 'ok');
      }, { once: true });
      d.showModal();
      d.querySelector('button[value="cancel"]').focus();
    });
  }

  async function copyText(input, status) {
    let ok = false;
    try {
      await navigator.clipboard.writeText(input.value);
      ok = true;
    } catch (e) {
      input.focus();
      input.select();
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
    }
    status.textContent = ok ? 'Copied to the clipboard.'
      : 'Selected: press Ctrl+C to copy.';
  }

  /* ---- views ------------------------------------------------------- */

  function showLogin(msg) {
    stopLive();
    if (window.cbContact) window.cbContact.hide();
    state.on = false;
    state.csrf = '';
    state.me = null;
    state.calls.clear();
    state.tenants.clear();
    $('account').hidden = true;
    $('nav').hidden = true;
    Object.values(VIEWS).forEach((v) => { $(v.el).hidden = true; });
    $('new-key-box').hidden = true;
    $('new-key').value = '';
    $('new-pw-box').hidden = true;
    $('new-pw').value = '';
    $('login-view').hidden = false;
    $('login-error').textContent = msg || '';
    $('password').value = '';
    $('login').focus();
  }

  function allowed(name) {
    const v = VIEWS[name];
    return v && state.me && v.roles.includes(state.me.role);
  }

  function viewFromHash() {
    const h = location.hash.replace(/^#\/?/, '');
    return VIEWS[h] ? h : 'dash';
  }

  function route() {
    if (!state.on) return;
    let name = viewFromHash();
    if (!allowed(name)) name = allowed('dash') ? 'dash' : 'none';
    const first = state.view !== name;
    state.view = name;
    Object.entries(VIEWS).forEach(([k, v]) => {
      $(v.el).hidden = k !== name;
    });
    document.querySelectorAll('#nav a').forEach((a) => {
      a.hidden = !allowed(a.dataset.view);
      if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    document.title = VIEWS[name].title + ' · callbridge console';
    if (name === 'keys') loadKeys();
    else if (name === 'users') loadUsers();
    else if (name === 'tenants') loadTenants();
    else if (name === 'dash') refresh();
    /* the contact page lives in contact.js; it polls while shown */
    if (window.cbContact) {
      if (name === 'contact') window.cbContact.show(first);
      else window.cbContact.hide();
    }
    if (first && name !== 'dash') {
      const h = $(VIEWS[name].el).querySelector('h1');
      if (h) h.focus();
    }
  }

  function showApp(me) {
    state.on = true;
    state.me = me;
    state.csrf = me.csrf_token || '';
    state.view = '';
    $('who').textContent = (me.login || 'signed in') +
      (me.role ? ' · ' + me.role : '');
    $('none-who').textContent = (me.login || '') + ' (' + me.role + ')';
    $('login-view').hidden = true;
    $('account').hidden = false;
    const manager = MANAGERS.includes(me.role);
    $('nav').hidden = !manager;
    $('live').hidden = !manager;
    document.querySelectorAll('.admin-only').forEach((e) => {
      e.hidden = !isAdmin();
    });
    document.querySelectorAll('.admin-col').forEach((e) => {
      e.hidden = !isAdmin();
    });
    document.querySelectorAll('.admin-opt').forEach((e) => {
      e.hidden = !isAdmin();
      e.disabled = !isAdmin();
    });
    if (isAdmin()) loadTenantNames();
    route();
    if (manager) {
      connect();
      if (!state.tick) state.tick = setInterval(updateTimes, 1000);
    }
  }

  window.addEventListener('hashchange', route);

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
    t.appendChild(el('caption', 'skip', 'Legs of call ' + c.id));
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
    if (!state.on || !allowed('dash')) return;
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

  /* the event WebSocket, polling while it is down (web/api.js) */
  const feed = window.cbApi.live(state, {
    refresh, setLive, pollMs: 2000,
    onEvent: (ev) => { if (ev && ev.call_id) refreshSoon(); },
    keep: () => state.on,
  });
  const connect = feed.connect;

  function stopLive() {
    feed.stop();
    clearInterval(state.tick);
    state.tick = 0;
  }

  /* ---- tenants (names for the admin's tables and pickers) --------- */

  function fillTenantPicker(sel) {
    const keep = sel.value;
    sel.replaceChildren(...[...state.tenants.values()].map((t) => {
      const o = el('option', '', t.name);
      o.value = t.id;
      return o;
    }));
    const own = state.me && state.me.tenant_id;
    sel.value = state.tenants.has(keep) ? keep : (own || '');
  }

  async function loadTenantNames() {
    const r = await api('GET', '/v1/tenants');
    if (r.status !== 200 || !r.data) return;
    state.tenants = new Map(r.data.tenants.map((t) => [t.id, t]));
    fillTenantPicker($('key-tenant'));
    fillTenantPicker($('user-tenant'));
  }

  function actionCell(btn) {
    const td = el('td', 'actions');
    if (btn) td.appendChild(btn);
    return td;
  }

  /* ---- API keys ---------------------------------------------------- */

  function keyRow(k) {
    const tr = el('tr');
    tr.dataset.keyId = k.id;
    tr.appendChild(el('td', 'strong', k.name || '(no name)'));
    const code = el('td', 'mono', k.prefix + '…');
    tr.appendChild(code);
    if (isAdmin()) tr.appendChild(el('td', '', tenantName(k.tenant_id)));
    tr.appendChild(el('td', 'opt', fmtDate(k.created_ms)));
    const st = el('td');
    st.appendChild(k.active ? pill('answered', 'Active')
      : pill('ended', 'Revoked'));
    tr.appendChild(st);
    let b = null;
    if (k.active) {
      b = el('button', 'btn btn-danger btn-small', 'Revoke');
      b.type = 'button';
      b.setAttribute('aria-label', 'Revoke key ' + (k.name || k.id));
      b.addEventListener('click', () => revokeKey(k, b));
    }
    tr.appendChild(actionCell(b));
    return tr;
  }

  async function loadKeys() {
    const r = await api('GET', '/v1/keys');
    if (r.status !== 200 || !r.data) {
      $('key-error').textContent = errText(r, 'Could not list the keys.');
      return;
    }
    const keys = r.data.keys.slice().reverse();
    $('keys-body').replaceChildren(...keys.map(keyRow));
    $('key-count').textContent = String(keys.filter((k) => k.active)
      .length);
    $('keys-empty').hidden = keys.length > 0;
    $('keys-table').hidden = keys.length === 0;
  }

  async function revokeKey(k, btn) {
    const ok = await confirmDialog('Revoke this API key?',
      'Programs using "' + (k.name || k.id) + '" (' + k.prefix +
      '…) stop working at once. This cannot be undone.', 'Revoke key');
    if (!ok) return;
    btn.disabled = true;
    const r = await api('DELETE', '/v1/keys/' + encodeURIComponent(k.id));
    if (r.status !== 200)
      $('key-error').textContent = errText(r, 'Could not revoke the key.');
    await loadKeys();
    $('keys-title').focus();
  }

  $('key-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('key-name').value.trim();
    if (!name) {
      $('key-error').textContent = 'Give the key a name.';
      $('key-name').focus();
      return;
    }
    const body = { name };
    if (isAdmin() && $('key-tenant').value)
      body.tenant = $('key-tenant').value;
    $('key-submit').disabled = true;
    $('key-error').textContent = '';
    try {
      const r = await api('POST', '/v1/keys', body);
      if (r.status !== 201 || !r.data) {
        $('key-error').textContent =
          errText(r, 'Could not create the key (' + r.status + ').');
        return;
      }
      $('key-name').value = '';
      $('new-key').value = r.data.key;
      $('new-key-name').textContent = '“' + r.data.api_key.name + '”';
      $('new-key-copied').textContent = '';
      $('new-key-box').hidden = false;
      $('new-key').focus();
      $('new-key').select();
      loadKeys();
    } finally {
      $('key-submit').disabled = false;
    }
  });

  $('new-key-copy').addEventListener('click', () =>
    copyText($('new-key'), $('new-key-copied')));
  $('new-key-done').addEventListener('click', () => {
    $('new-key').value = '';
    $('new-key-box').hidden = true;
    $('key-name').focus();
  });

  /* ---- users ------------------------------------------------------- */

  function userRow(u) {
    const tr = el('tr');
    tr.dataset.userId = u.id;
    const me = state.me && u.id === state.me.user_id;
    tr.appendChild(el('td', 'strong', u.login + (me ? ' (you)' : '')));
    tr.appendChild(el('td', 'cap', u.role));
    if (isAdmin()) tr.appendChild(el('td', '', tenantName(u.tenant_id)));
    tr.appendChild(el('td', 'opt', fmtDate(u.created_ms)));
    let b = null;
    if (!me && (isAdmin() || u.role !== 'admin')) {
      b = el('button', 'btn btn-danger btn-small', 'Delete');
      b.type = 'button';
      b.setAttribute('aria-label', 'Delete user ' + u.login);
      b.addEventListener('click', () => deleteUser(u, b));
    }
    tr.appendChild(actionCell(b));
    return tr;
  }

  async function loadUsers() {
    const r = await api('GET', '/v1/users');
    if (r.status !== 200 || !r.data) {
      $('user-error').textContent = errText(r, 'Could not list the users.');
      return;
    }
    $('users-body').replaceChildren(...r.data.users.map(userRow));
    $('user-count').textContent = String(r.data.users.length);
  }

  async function deleteUser(u, btn) {
    const ok = await confirmDialog('Delete this user?',
      u.login + ' (' + u.role + ') can no longer sign in, and is signed ' +
      'out everywhere at once.', 'Delete user');
    if (!ok) return;
    btn.disabled = true;
    const r = await api('DELETE', '/v1/users/' + encodeURIComponent(u.id));
    if (r.status !== 200)
      $('user-error').textContent = errText(r, 'Could not delete the user.');
    await loadUsers();
    $('users-title').focus();
  }

  $('user-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = $('user-login').value.trim();
    const password = $('user-password').value;
    if (!login) {
      $('user-error').textContent = 'Enter a login.';
      $('user-login').focus();
      return;
    }
    if (password && password.length < 10) {
      $('user-error').textContent =
        'A password needs at least 10 characters.';
      $('user-password').focus();
      return;
    }
    const body = { login, role: $('user-role').value };
    if (password) body.password = password;
    if (isAdmin() && $('user-tenant').value)
      body.tenant = $('user-tenant').value;
    $('user-submit').disabled = true;
    $('user-error').textContent = '';
    try {
      const r = await api('POST', '/v1/users', body);
      if (r.status !== 201 || !r.data) {
        $('user-error').textContent =
          errText(r, 'Could not add the user (' + r.status + ').');
        return;
      }
      $('user-login').value = '';
      $('user-password').value = '';
      if (r.data.password) {
        $('new-pw').value = r.data.password;
        $('new-pw-login').textContent = r.data.user.login;
        $('new-pw-copied').textContent = '';
        $('new-pw-box').hidden = false;
        $('new-pw').focus();
        $('new-pw').select();
      }
      loadUsers();
    } finally {
      $('user-submit').disabled = false;
    }
  });

  $('new-pw-copy').addEventListener('click', () =>
    copyText($('new-pw'), $('new-pw-copied')));
  $('new-pw-done').addEventListener('click', () => {
    $('new-pw').value = '';
    $('new-pw-box').hidden = true;
    $('user-login').focus();
  });

  /* ---- tenants ----------------------------------------------------- */

  function tenantRow(t) {
    const tr = el('tr');
    tr.dataset.tenantId = t.id;
    tr.appendChild(el('td', 'strong', t.name));
    tr.appendChild(el('td', 'mono opt', t.id));
    tr.appendChild(el('td', t.webhook_url ? 'mono url' : 'muted',
      t.webhook_url || 'none'));
    const b = el('button', 'btn btn-ghost btn-small', 'Set webhook URL');
    b.type = 'button';
    b.setAttribute('aria-label', 'Set the webhook URL of ' + t.name);
    b.addEventListener('click', () => editHook(t, b));
    tr.appendChild(actionCell(b));
    return tr;
  }

  async function loadTenants() {
    const r = await api('GET', '/v1/tenants');
    if (r.status !== 200 || !r.data) {
      $('tenant-error').textContent =
        errText(r, 'Could not list the tenants.');
      return;
    }
    state.tenants = new Map(r.data.tenants.map((t) => [t.id, t]));
    $('tenants-body').replaceChildren(...r.data.tenants.map(tenantRow));
    $('tenant-count').textContent = String(r.data.tenants.length);
    fillTenantPicker($('key-tenant'));
    fillTenantPicker($('user-tenant'));
  }

  let hookTenant = null;

  function editHook(t, btn) {
    hookTenant = { t, btn };
    $('hook-tenant').textContent = t.name;
    $('hook-url').value = t.webhook_url || '';
    $('hook-error').textContent = '';
    $('hook-dialog').showModal();
    $('hook-url').focus();
  }

  $('hook-form').addEventListener('submit', async (e) => {
    const d = $('hook-dialog');
    if (e.submitter && e.submitter.value !== 'save') return;
    e.preventDefault();
    const url = $('hook-url').value.trim();
    if (url && !/^http:\/\/[^/:\s]/i.test(url)) {
      $('hook-error').textContent =
        'Use an http:// URL (or leave it empty to turn it off).';
      $('hook-url').focus();
      return;
    }
    $('hook-save').disabled = true;
    try {
      const r = await api('PATCH', '/v1/tenants/' +
        encodeURIComponent(hookTenant.t.id), { webhook_url: url });
      if (r.status !== 200) {
        $('hook-error').textContent =
          errText(r, 'Could not save (' + r.status + ').');
        return;
      }
      d.close('saved');
      await loadTenants();
      const b = document.querySelector('#tenants-body tr[data-tenant-id="' +
        CSS.escape(hookTenant.t.id) + '"] button');
      if (b) b.focus();
    } finally {
      $('hook-save').disabled = false;
    }
  });

  $('hook-dialog').addEventListener('close', () => {
    if ($('hook-dialog').returnValue !== 'saved' && hookTenant &&
        document.contains(hookTenant.btn)) hookTenant.btn.focus();
  });

  $('tenant-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('tenant-name').value.trim();
    const url = $('tenant-url').value.trim();
    if (!name) {
      $('tenant-error').textContent = 'Enter a name.';
      $('tenant-name').focus();
      return;
    }
    const body = { name };
    if (url) body.webhook_url = url;
    $('tenant-submit').disabled = true;
    $('tenant-error').textContent = '';
    try {
      const r = await api('POST', '/v1/tenants', body);
      if (r.status !== 201) {
        $('tenant-error').textContent =
          errText(r, 'Could not create the tenant (' + r.status + ').');
        return;
      }
      $('tenant-name').value = '';
      $('tenant-url').value = '';
      await loadTenants();
    } finally {
      $('tenant-submit').disabled = false;
    }
  });

  /* ---- sign in, new call, sign out ---------------------------------- */

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
        showApp({ csrf_token: r.data.csrf_token, login: u.login,
                  role: u.role, user_id: u.id, tenant_id: u.tenant_id });
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

  /* what contact.js borrows */
  window.cbConsole = { api, el, pill, errText, confirmDialog, isAdmin,
                       me: () => state.me };

  /* ---- start ------------------------------------------------------- */

  (async () => {
    try {
      const r = await api('GET', '/v1/me');
      if (r.status === 200 && r.data && r.data.auth === 'session') {
        showApp(r.data);
        return;
      }
    } catch (e) { /* not signed in */ }
    showLogin('');
  })();
})();
