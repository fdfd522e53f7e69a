/* callbridge agent console (web/agent.html).  Sign in (POST
 * /v1/auth/login) as a user of role agent; then GET /v1/agent every
 * second: the agent's status, and while a request is offered (the
 * agent's phone rings, before the call is bridged) or connected, the
 * screen-pop with the customer, the page viewed, the note, the desired
 * time and the wait.  Status buttons (POST /v1/agent/status), Hang up
 * (POST /v1/agent/hangup), the wrap-up form after a call (POST
 * /v1/agent/wrapup: notes and an order or complaint for the business's
 * server) and today's history (GET /v1/agent/history).  Plain JS, same
 * origin only; every state-changing request carries the session's CSRF
 * token in X-CSRF-Token. */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { csrf: '', on: false, agent: null, pollTimer: 0,
                  tickTimer: 0, histTimer: 0, since: 0, popId: '',
                  wrapId: '', lastStatus: '', busy: false };

  const WORDS = {
    'logged-out': 'Logged out', available: 'Available',
    offered: 'Phone ringing', 'on-call': 'On a call',
    'wrap-up': 'Wrap-up', break: 'On break',
  };
  const HELP = {
    'logged-out': 'Choose Available to take customer calls.',
    available: 'Waiting for a customer. Your phone rings when one is ' +
      'routed to you.',
    offered: 'Answer your phone to talk to the customer.',
    'on-call': 'You are talking to the customer.',
    'wrap-up': 'Finish your notes; you become available when you ' +
      'submit them or when the wrap-up time ends.',
    break: 'You get no calls. Choose Available to go on.',
  };

  /* web/api.js; callbridge out of reach answers status 0 here */
  const request = window.cbApi.client(state,
    () => showLogin('Your session ended.'));
  const { errText, el } = window.cbApi;

  async function api(method, path, body) {
    try {
      return await request(method, path, body);
    } catch (e) {
      return { status: 0, data: null };
    }
  }

  function fmtTime(ms) {
    if (!(ms > 0)) return '—';
    return new Date(ms).toLocaleTimeString(undefined,
      { hour: '2-digit', minute: '2-digit' });
  }

  function fmtDate(ms) {
    if (!(ms > 0)) return 'As soon as possible';
    return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium',
      timeStyle: 'short' });
  }

  function fmtDur(ms) {
    if (!(ms >= 0)) return '—';
    const s = Math.round(ms / 1000);
    const m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }

  /* the agent's current request, whatever the runtime calls it */
  function currentRequest(a) {
    return (a && (a.request || a.current || a.screen_pop)) || null;
  }

  function pick(o, names) {
    for (const n of names) {
      if (o && o[n] !== undefined && o[n] !== null && o[n] !== '')
        return o[n];
    }
    return undefined;
  }

  /* ---- views ------------------------------------------------------- */

  function stopTimers() {
    clearInterval(state.pollTimer);
    clearInterval(state.tickTimer);
    clearInterval(state.histTimer);
    state.pollTimer = state.tickTimer = state.histTimer = 0;
  }

  function showLogin(msg) {
    stopTimers();
    state.on = false;
    state.csrf = '';
    state.agent = null;
    $('account').hidden = true;
    $('console-view').hidden = true;
    $('nolink-view').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = msg || '';
    $('password').value = '';
    $('login').focus();
  }

  function showNoLink(text) {
    stopTimers();
    $('login-view').hidden = true;
    $('console-view').hidden = true;
    $('nolink-view').hidden = false;
    if (text) $('nolink-text').textContent = text;
    $('nolink-title').focus();
  }

  function start(csrf, login) {
    state.csrf = csrf || '';
    state.on = true;
    $('who').textContent = login || '';
    $('account').hidden = false;
    $('login-view').hidden = true;
    $('nolink-view').hidden = true;
    poll().then((ok) => {
      if (!ok) return;
      $('console-view').hidden = false;
      stopTimers();
      state.pollTimer = setInterval(poll, 1000);
      state.tickTimer = setInterval(tick, 1000);
      state.histTimer = setInterval(history, 30000);
      history();
    });
  }

  /* ---- the agent --------------------------------------------------- */

  function setLive(on) {
    const p = $('poll');
    p.className = 'live ' + (on ? 'live-on' : 'live-off');
    p.textContent = on ? 'Live' : 'Reconnecting…';
  }

  async function poll() {
    if (!state.on) return false;
    const r = await api('GET', '/v1/agent');
    if (!state.on) return false;
    if (r.status === 404 && r.data && r.data.error &&
        r.data.error.code === 'no_agent') {
      showNoLink();
      return false;
    }
    if (r.status === 403) {
      showNoLink('This page is for agents. Sign in with an agent ' +
        'login, or use the console at /.');
      return false;
    }
    if (r.status !== 200 || !r.data) {
      setLive(false);
      return state.agent !== null;
    }
    setLive(true);
    render(r.data);
    return true;
  }

  function render(a) {
    const prev = state.agent;
    state.agent = a;
    const st = a.status || 'logged-out';
    renderStatus(st);
    renderPop(a, st);
    if (prev && prev.status !== st &&
        (st === 'wrap-up' || st === 'available'))
      history();
    state.lastStatus = st;
  }

  function renderStatus(st) {
    const words = WORDS[st] || st;
    const pill = $('status-pill');
    pill.className = 'pill st-' + st;
    if (pill.textContent !== words) pill.textContent = words;
    $('status-dot').className = 'dot st-' + st;
    $('status-text').textContent = words;
    let help = HELP[st] || '';
    const left = state.agent && state.agent.wrap_remaining_ms;
    if (st === 'wrap-up' && left > 0)
      help += ' ' + Math.ceil(left / 1000) + ' s left.';
    $('status-help').textContent = help;
    document.querySelectorAll('.status-buttons .btn').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.dataset.status === st));
      /* ringing or talking: the ACD decides, not the buttons */
      b.disabled = state.busy || st === 'offered' || st === 'on-call';
    });
  }

  function renderPop(a, st) {
    const r = currentRequest(a);
    const show = r && (st === 'offered' || st === 'on-call');
    $('pop').hidden = !show;
    $('idle').hidden = !!show;
    if (!show) {
      if (state.popId) {
        /* the call ended: its wrap-up is next */
        openWrap(state.popId, state.popWho);
        state.popId = '';
      }
      $('idle-text').textContent = st === 'available'
        ? 'Waiting for a customer. Their details appear here while ' +
          'your phone rings.'
        : 'When a customer asks for a representative and you are ' +
          'available, their details appear here while your phone rings.';
      if (st === 'wrap-up' && !state.wrapId)
        openWrap(a.last_request_id || '', '');
      return;
    }

    const id = pick(r, ['id', 'request_id']) || '';
    const number = pick(r, ['customer', 'customer_number', 'number']) || '';
    const name = pick(r, ['customer_name', 'name']) || '';
    const isNew = id !== state.popId;
    const pop = $('pop');
    pop.dataset.state = st;
    $('pop-title').textContent = st === 'offered' ? 'Incoming customer'
      : 'Connected';
    const ps = $('pop-state');
    ps.className = 'pill st-' + st;
    ps.textContent = st === 'offered' ? 'Ringing' : 'Connected';
    $('pop-name').textContent = name || 'Unknown caller';
    $('pop-number').textContent = number;

    const page = $('pop-page');
    const url = pick(r, ['page_url', 'url']) || '';
    const title = pick(r, ['page_title', 'title']) || '';
    page.textContent = '';
    if (/^https?:\/\//i.test(url)) {
      const l = el('a', 'url', title || url);
      l.href = url;
      l.target = '_blank';
      l.rel = 'noopener noreferrer';
      page.appendChild(l);
    } else {
      page.textContent = title || url || '—';
    }
    $('pop-note').textContent = pick(r, ['note']) || '—';
    $('pop-due').textContent = fmtDate(pick(r, ['due_ms', 'desired_ms']));
    state.popWait = pick(r, ['wait_ms', 'queue_wait_ms']);
    state.popQueued = pick(r, ['queued_ms', 'answered_ms']);
    state.popSince = pick(r, st === 'offered' ? ['offered_ms']
      : ['connected_ms']) || (isNew || st !== state.lastStatus
      ? Date.now() : state.popSince);
    $('pop-id').textContent = id;
    $('hangup').hidden = st !== 'on-call';
    tick();

    if (isNew || st !== state.lastStatus) {
      $('pop-announce').textContent = (st === 'offered'
        ? 'Incoming customer: ' : 'Connected to ') +
        (name ? name + ', ' : '') + number +
        (title ? '. Viewing ' + title : '');
    }
    if (isNew) {
      $('pop-error').textContent = '';
      state.popId = id;
      state.popWho = (name ? name + ' ' : '') + number;
      if (st === 'offered') $('pop').scrollIntoView({ block: 'nearest' });
    }
  }

  function tick() {
    if ($('pop').hidden) return;
    const now = Date.now();
    let wait = state.popWait;
    if (!(wait >= 0) && state.popQueued > 0) wait = now - state.popQueued;
    $('pop-wait').textContent = wait >= 0 ? fmtDur(wait) : '—';
    $('pop-timer').textContent = state.popSince > 0
      ? fmtDur(now - state.popSince) : '';
  }

  async function setStatus(status) {
    $('status-error').textContent = '';
    state.busy = true;
    renderStatus(state.lastStatus || 'logged-out');
    const r = await api('POST', '/v1/agent/status', { status });
    state.busy = false;
    if (r.status === 200 && r.data) {
      render(r.data);
    } else if (r.status === 409) {
      const cur = r.data && r.data.error && r.data.error.status;
      $('status-error').textContent = 'You cannot do that now' +
        (cur ? ' (you are ' + (WORDS[cur] || cur).toLowerCase() + ')'
          : '') + '.';
      poll();
    } else {
      $('status-error').textContent = errText(r, 'Status not changed.');
      renderStatus(state.lastStatus || 'logged-out');
    }
  }

  async function hangup() {
    const b = $('hangup');
    b.disabled = true;
    const r = await api('POST', '/v1/agent/hangup');
    b.disabled = false;
    if (r.status === 200 && r.data) render(r.data);
    else $('pop-error').textContent = errText(r, 'Not hung up.');
  }

  /* ---- wrap-up ----------------------------------------------------- */

  function kind() {
    const k = document.querySelector('input[name="kind"]:checked');
    return k ? k.value : 'none';
  }

  function kindChanged() {
    $('order-fields').hidden = kind() !== 'order';
    $('complaint-fields').hidden = kind() !== 'complaint';
  }

  function openWrap(id, who) {
    if ($('wrap').hidden) {
      $('wrap-form').reset();
      kindChanged();
      $('wrap-error').textContent = '';
    }
    state.wrapId = id || state.wrapId || 'last';
    $('wrap-for').textContent = who ? 'with ' + who : '';
    $('wrap-ok').textContent = '';
    $('wrap').hidden = false;
  }

  async function submitWrap(ev) {
    ev.preventDefault();
    const err = $('wrap-error');
    err.textContent = '';
    const form = { kind: kind() };
    if (form.kind === 'order') {
      form.product = $('f-product').value.trim();
      if (!form.product) {
        err.textContent = 'Name the product of the order.';
        $('f-product').focus();
        return;
      }
      const q = parseInt($('f-quantity').value, 10);
      if (!(q >= 1 && q <= 1000000)) {
        err.textContent = 'The quantity is a whole number from 1.';
        $('f-quantity').focus();
        return;
      }
      form.quantity = q;
      const amt = $('f-amount').value.trim();
      if (amt) {
        if (!/^[0-9]{1,9}(\.[0-9]{1,4})?$/.test(amt)) {
          err.textContent = 'The amount is a decimal such as 12.50.';
          $('f-amount').focus();
          return;
        }
        form.amount = amt;
      }
    } else if (form.kind === 'complaint') {
      form.text = $('f-text').value.trim();
      if (!form.text) {
        err.textContent = 'Describe the complaint.';
        $('f-text').focus();
        return;
      }
    }
    const btn = $('wrap-submit');
    btn.disabled = true;
    const r = await api('POST', '/v1/agent/wrapup',
      { notes: $('wrap-notes').value, form });
    btn.disabled = false;
    if (r.status !== 200) {
      err.textContent = r.status === 404 ? 'There is no call to wrap up.'
        : errText(r, 'Not submitted.');
      if (r.status === 404) closeWrap();
      return;
    }
    closeWrap();
    $('idle-text').textContent = r.data.webhook === 'queued'
      ? 'Wrap-up submitted and sent to the business.'
      : 'Wrap-up submitted.';
    if (r.data.agent) render(r.data.agent);
    history();
  }

  function closeWrap() {
    $('wrap').hidden = true;
    state.wrapId = '';
  }

  /* ---- history ----------------------------------------------------- */

  async function history() {
    if (!state.on) return;
    const r = await api('GET', '/v1/agent/history');
    if (r.status !== 200 || !r.data) return;
    const rows = r.data.requests || [];
    const body = $('hist-body');
    body.textContent = '';
    for (const q of rows) {
      const tr = document.createElement('tr');
      tr.appendChild(el('td', 'num', fmtTime(q.connected_ms ||
        q.created_ms)));
      const who = el('td');
      if (q.customer_name) {
        who.appendChild(el('span', 'strong', q.customer_name));
        who.appendChild(document.createTextNode(' '));
      }
      who.appendChild(el('span', 'mono', q.customer || ''));
      tr.appendChild(who);
      tr.appendChild(el('td', 'num', q.duration_ms > 0
        ? fmtDur(q.duration_ms) : '—'));
      tr.appendChild(el('td', 'cap', (q.status || '').replace(/-/g, ' ')));
      tr.appendChild(el('td', 'opt', q.notes || ''));
      body.appendChild(tr);
    }
    $('hist-count').textContent = String(rows.length);
    $('hist').hidden = rows.length === 0;
    $('hist-empty').hidden = rows.length !== 0;
  }

  /* ---- wiring ------------------------------------------------------ */

  window.cbApi.signIn(api, start, showLogin);

  document.querySelectorAll('.status-buttons .btn').forEach((b) => {
    b.addEventListener('click', () => setStatus(b.dataset.status));
  });
  $('hangup').addEventListener('click', hangup);
  document.querySelectorAll('input[name="kind"]').forEach((r) => {
    r.addEventListener('change', kindChanged);
  });
  $('wrap-form').addEventListener('submit', submitWrap);

  /* an open session (cookie) goes straight to the console */
  window.cbApi.resume(api, start, showLogin);
})();
