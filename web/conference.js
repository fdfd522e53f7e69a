/* callbridge conference page (web/conference.html): the four screens of
 * seed 004 (personal web-based teleconferencing) over /v1/conferences.
 *
 *  1. Set-up: rows of name + number (the owner first), add/remove rows
 *     up to the maximum, Rate (cost per minute of each participant and in
 *     all, before anything starts) and Help.  Begin conference creates
 *     the conference (POST /v1/conferences: everyone on-hook, nothing
 *     dialed) and puts its id and control token in the URL
 *     (#id=...&token=...).  Change participants comes back here: on-hook
 *     rows are editable (PATCH), new rows are added (POST), and Return to
 *     conference goes back.
 *  2. Payment: prepaid balance or a test card; POST
 *     /v1/conferences/{id}/authorize reserves the estimate; a decline is
 *     explained and nothing is dialed.
 *  3. Control: one card per participant with a status icon and words;
 *     choose an on-hook participant to dial, a connected one to hang up;
 *     mute/deaf; End conference; the running total.  Live over the
 *     WebSocket /v1/events (the events of the conference's calls), GET
 *     every 2 s while it is down; never a page reload.
 *  4. Wrap-up: GET /v1/conferences/{id}/summary (charges per participant,
 *     subtotal, minimum adjustment, taxes, total) and the trouble report
 *     per leg (POST /v1/calls/{c}/legs/{l}/trouble: credited once).
 *
 * The money routes (rates, authorize, summary) may be missing on a
 * server: the page then says "not available" and goes on without them.
 * Signed-in users only (web/api.js: session cookie, CSRF token on every
 * state-changing request); every /v1/conferences/{id}/... request also
 * carries the control token of the URL in X-Conference-Token, without
 * which the server answers 404.  Plain JS, same origin, no external
 * assets. */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const { errText, el } = window.cbApi;
  const MAX = 50;                  /* CONF_PARTIES_MAX, the owner counts */
  const POLL_MS = 2000;
  const state = {
    csrf: '', on: false, login: '', id: '', token: '', conf: null,
    view: '', change: false, rows: [], ws: null, wsDelay: 1000,
    pollTimer: 0, tickTimer: 0, soonTimer: 0, totalTimer: 0,
    legs: {}, currency: '', rates: null, endedShown: false,
    accounts: [], pending: new Set(),
    names: {},                       /* number -> name, every one seen */
  };
  const request = window.cbApi.client(state,
    () => showLogin('Your session ended. Sign in again.'));

  /* the conference's routes want its control token (a web session may
   * use only conferences whose token it has) */
  async function api(method, path, body) {
    const h = state.token && path.startsWith('/v1/conferences/')
      ? { 'X-Conference-Token': state.token } : undefined;
    try {
      return await request(method, path, body, h);
    } catch (e) {
      return { status: 0, data: null };
    }
  }

  /* a route this server does not have (not a missing conference) */
  function noRoute(r) {
    if (r.status === 405) return true;
    const e = r.data && r.data.error;
    return r.status === 404 && (!e || e.message === 'no such resource');
  }

  function confPath(rest) {
    return '/v1/conferences/' + encodeURIComponent(state.id) + (rest || '');
  }

  function say(text) {
    const a = $('announce');
    a.textContent = '';
    setTimeout(() => { a.textContent = text; }, 30);
  }

  /* ---- formatting --------------------------------------------------- */

  function amountOf(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === 'object') {
      return amountOf(v.total !== undefined ? v.total
        : v.amount !== undefined ? v.amount : v.running);
    }
    const n = Number(v);
    return isFinite(n) ? n : null;
  }

  function currencyOf(v) {
    return (v && typeof v === 'object' && v.currency) || state.currency ||
      'USD';
  }

  function money(v, cur) {
    const n = amountOf(v);
    if (n === null) return '—';
    const c = cur || currencyOf(v);
    const small = Math.abs(n) < 1 && Math.round(n * 100) !== n * 100;
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency',
        currency: c, minimumFractionDigits: 2,
        maximumFractionDigits: small ? 4 : 2 }).format(n);
    } catch (e) {
      return n.toFixed(2) + ' ' + c;
    }
  }

  function fmtDur(ms) {
    if (!(ms >= 0)) return '—';
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }

  function minutes(ms) {
    if (!(ms > 0)) return '0:00';
    return fmtDur(ms);
  }

  /* ---- statuses and their icons (seed FIG. 5) ----------------------- */

  /* a handset, tilted (drawn for this page) */
  const HANDSET = 'M5 3.5l3 .8.9 3.7-2 1.8c1 2.3 2.9 4.3 5.3 5.3l1.8-2 ' +
    '3.7.9.8 3-2.2 2.5C9.5 19.5 4.5 14.5 3 5.7z';
  const ICONS = {
    'on-hook': ['M3 10c0-2.2 3.5-3.5 9-3.5s9 1.3 9 3.5v2h-5v-2H8v2H3z',
      'M5.5 14.5h13l2 5.5h-17z'],
    dialing: [HANDSET, 'M15 3h.01M18 3h.01M21 3h.01M15 6h.01M18 6h.01' +
      'M21 6h.01M15 9h.01M18 9h.01M21 9h.01'],
    ringing: [HANDSET, 'M15 2.5a6.5 6.5 0 0 1 6.5 6.5',
      'M15 6a3 3 0 0 1 3 3'],
    connected: [HANDSET, 'M14 6l2.5 2.5L21.5 3'],
    busy: [HANDSET, 'M14.5 4h7M14.5 8h7'],
    'no-answer': [HANDSET, 'M18 1.8a4.2 4.2 0 1 1 0 8.4a4.2 4.2 0 1 1 0-8.4z',
      'M18 3.8V6l1.6 1.2'],
    'invalid-number': [HANDSET, 'M15 2.5l6 6M21 2.5l-6 6'],
    'no-lines': [HANDSET, 'M18 1.8a4.2 4.2 0 1 1 0 8.4a4.2 4.2 0 1 1 0-8.4z',
      'M15.1 8.9l5.8-5.8'],
    failed: ['M12 2.5l10 18H2z', 'M12 9.5v5', 'M12 17.5v.5'],
    left: [HANDSET, 'M14 6h7', 'M18.5 3l3 3-3 3'],
  };
  const WORDS = {
    'on-hook': 'On-hook', dialing: 'Dialing', ringing: 'Ringing',
    connected: 'Connected', busy: 'Busy', 'no-answer': 'No answer',
    'invalid-number': 'Invalid number', 'no-lines': 'No lines free',
    failed: 'Failed', left: 'Left',
  };
  const MEANING = {
    'on-hook': 'not called yet: choose it to call',
    dialing: 'being called',
    ringing: 'the phone is ringing',
    connected: 'off-hook, in the conference: choose it to hang up',
    busy: 'the line was busy',
    'no-answer': 'nobody answered',
    'invalid-number': 'the number cannot be dialed: check it',
    'no-lines': 'no outgoing line was free: try again shortly',
    failed: 'the call failed',
    left: 'was in the conference and hung up',
  };
  /* colour group: never alone, the words and the icon say it too */
  const TONE = {
    'on-hook': 'idle', dialing: 'info', ringing: 'info', connected: 'ok',
    busy: 'warn', 'no-answer': 'warn', 'no-lines': 'warn',
    'invalid-number': 'bad', failed: 'bad', left: 'idle',
  };
  const ON_CALL = new Set(['dialing', 'ringing', 'connected']);

  function icon(status) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '40');
    svg.setAttribute('height', '40');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'cf-icon');
    svg.dataset.icon = status;
    for (const d of ICONS[status] || ICONS.failed) {
      const p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    }
    return svg;
  }

  /* ---- views ------------------------------------------------------- */

  const VIEWS = ['login-view', 'setup-view', 'pay-view', 'control-view',
                 'wrap-view'];

  function show(view, focus) {
    state.view = view;
    for (const v of VIEWS) $(v).hidden = v !== view;
    if (view !== 'control-view') stopLive();
    if (focus !== false) {
      const h = $(view).querySelector('h1');
      if (h) h.focus();
    }
  }

  function showLogin(msg) {
    stopLive();
    state.on = false;
    state.csrf = '';
    $('account').hidden = true;
    show('login-view', false);
    $('login-error').textContent = msg || '';
    $('password').value = '';
    $('login').focus();
  }

  function setHash() {
    const h = '#id=' + encodeURIComponent(state.id) + '&token=' +
      encodeURIComponent(state.token);
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  async function start(csrf, login) {
    state.csrf = csrf || '';
    state.on = true;
    state.login = login || '';
    $('who').textContent = state.login;
    $('account').hidden = false;
    const h = new URLSearchParams(location.hash.replace(/^#/, ''));
    state.id = h.get('id') || '';
    state.token = h.get('token') || '';
    loadCurrency();
    if (!state.id) {
      newSetup();
      return;
    }
    const r = await api('GET', confPath());
    if (r.status !== 200 || !r.data) {
      state.id = '';
      newSetup();
      $('setup-error').textContent = r.status === 404
        ? 'That conference does not exist (or has expired). Set up a new ' +
          'one.' : errText(r, 'The conference could not be loaded.');
      return;
    }
    state.conf = r.data;
    const b = r.data.billing;
    if (r.data.status === 'ended') openWrap();
    else if (b && b.required && !b.authorized && !anyOnCall()) openPay();
    else openControl();
  }

  async function loadCurrency() {
    const r = await api('GET', '/v1/money/settings');
    if (r.status === 200 && r.data && r.data.currency)
      state.currency = r.data.currency;
  }

  /* the names of the numbers seen (a leg keeps the number it dialed);
   * a number two participants share names the one dialed, not one
   * added later and never called */
  function learnNames() {
    const ps = (state.conf && state.conf.participants) || [];
    for (const dialed of [false, true]) {
      for (const p of ps)
        if (p.number && p.name && !!p.call_id === dialed)
          state.names[p.number] = p.name;
    }
    return state.names;
  }

  /* ---- 1. set-up --------------------------------------------------- */

  function newSetup() {
    state.change = false;
    state.conf = null;
    state.rows = [{ name: '', number: '' }, { name: '', number: '' },
                  { name: '', number: '' }];
    showSetup('Set up a conference call', 'Enter who takes part: you ' +
      'first, then the others. Nobody is called until you choose whom ' +
      'to dial on the control page.', true, 'Begin conference');
  }

  function changeSetup() {
    state.change = true;
    state.rows = state.conf.participants.map((p) => ({
      pid: p.id, name: p.name || '', number: p.number || '',
      status: p.status, owner: p.owner,
      orig: { name: p.name || '', number: p.number || '' } }));
    state.rows.push({ name: '', number: '' });
    showSetup('Change participants', 'Edit participants who are ' +
      'on-hook or add new ones, then return to the conference. ' +
      'Participants on a call cannot be changed.', false,
      'Return to conference');
  }

  /* the set-up view, new (full: name and options too) or a change */
  function showSetup(title, lead, full, button) {
    $('setup-title').textContent = title;
    $('setup-lead').textContent = lead;
    $('setup-name-row').hidden = !full;
    $('options').hidden = !full;
    $('begin-btn').textContent = button;
    $('rate-box').hidden = true;
    $('setup-error').textContent = '';
    renderRows();
    show('setup-view');
  }

  function rowEditable(r) {
    return !r.pid || !ON_CALL.has(r.status);
  }

  function renderRows() {
    const body = $('rows');
    body.textContent = '';
    state.rows.forEach((r, i) => {
      const n = i + 1;
      const tr = document.createElement('tr');
      tr.dataset.row = String(i);
      if (r.pid) tr.dataset.pid = r.pid;
      const th = el('th', 'cf-n num', String(n));
      th.scope = 'row';
      tr.appendChild(th);
      const who = i === 0 ? 'your' : 'participant ' + n + "'s";
      const name = el('input', 'cf-name');
      name.value = r.name;
      name.maxLength = 80;
      name.autocomplete = i === 0 ? 'name' : 'off';
      name.placeholder = i === 0 ? 'You' : 'Name';
      name.setAttribute('aria-label', i === 0 ? 'Your name'
        : 'Name of participant ' + n);
      name.addEventListener('input', () => { r.name = name.value; });
      const num = el('input', 'cf-number');
      num.value = r.number;
      num.maxLength = 127;
      num.type = 'tel';
      num.autocomplete = i === 0 ? 'tel' : 'off';
      num.placeholder = '+1 908 555 1234';
      num.setAttribute('aria-label', i === 0 ? 'Your phone number'
        : 'Phone number of participant ' + n);
      num.addEventListener('input', () => {
        r.number = num.value;
        r.rate = undefined;
        const c = tr.querySelector('.cf-rate');
        if (c) c.textContent = '';
      });
      const editable = rowEditable(r);
      name.disabled = num.disabled = !editable;
      const tdName = el('td');
      tdName.appendChild(name);
      if (r.pid && !editable) {
        tdName.appendChild(el('span', 'help cf-locked',
          'On a call (' + (WORDS[r.status] || r.status).toLowerCase() +
          '): cannot be changed now'));
      }
      tr.appendChild(tdName);
      const tdNum = el('td');
      tdNum.appendChild(num);
      tr.appendChild(tdNum);
      tr.appendChild(el('td', 'cf-rate num', r.rate === undefined ? ''
        : r.rate));
      const tdAct = el('td', 'actions');
      if (i > 0 && !r.pid) {
        const rm = el('button', 'btn btn-ghost btn-small', 'Remove');
        rm.type = 'button';
        rm.setAttribute('aria-label', 'Remove row ' + n);
        rm.addEventListener('click', () => {
          state.rows.splice(i, 1);
          renderRows();
          const f = $('rows').querySelector('tr:nth-child(' +
            Math.min(i + 1, state.rows.length) + ') input:not(:disabled)');
          (f || $('add-row')).focus();
        });
        tdAct.appendChild(rm);
      } else if (i === 0) {
        tdAct.appendChild(el('span', 'muted', r.pid ? 'Owner' : 'You'));
      }
      tr.appendChild(tdAct);
      body.appendChild(tr);
    });
    const full = state.rows.length >= maxRows();
    $('add-row').disabled = full;
    $('row-count').textContent = state.rows.length + ' of at most ' +
      maxRows() + ' rows' + (full ? ': the maximum' : '');
  }

  /* the conference's own maximum once it exists */
  function maxRows() {
    const o = state.change && state.conf && state.conf.options;
    return (o && o.max_participants) || MAX;
  }

  function addRow() {
    if (state.rows.length >= maxRows()) return;
    state.rows.push({ name: '', number: '' });
    renderRows();
    const inputs = $('rows').querySelectorAll('tr:last-child input');
    if (inputs.length) inputs[0].focus();
  }

  function cleanNumber(s) {
    s = s.trim();
    if (/^sips?:/i.test(s)) return s;
    return s.replace(/[\s().-]/g, '');
  }

  /* the rows to send, or an error in words (and the row to focus) */
  function collect() {
    const out = [];
    for (let i = 0; i < state.rows.length; i++) {
      const r = state.rows[i];
      const name = r.name.trim();
      const number = cleanNumber(r.number);
      if (!name && !number && i > 0 && !r.pid) continue;
      if (!number) {
        return { error: i === 0 ? 'Enter your own phone number in the ' +
          'first row.' : 'Row ' + (i + 1) + ' has no phone number.',
          row: i, field: 'cf-number' };
      }
      if (!/^sips?:\S+@?\S*$/i.test(number) &&
          !/^\+?[0-9]{3,15}$/.test(number) &&
          !/^[A-Za-z][A-Za-z0-9._-]{0,31}$/.test(number)) {
        return { error: 'Row ' + (i + 1) + ': "' + r.number.trim() +
          '" is not a phone number (digits, optionally starting with +), ' +
          'a SIP address or a softphone user.', row: i,
          field: 'cf-number' };
      }
      out.push({ i, r, name, number });
    }
    if (out.length > maxRows()) return { error: 'At most ' + maxRows() +
      ' participants.' };
    return { rows: out };
  }

  /* collect(), its error said under the form and its row focused */
  function collectOrSay() {
    const err = $('setup-error');
    err.textContent = '';
    const c = collect();
    if (!c.error) return c;
    err.textContent = c.error;
    if (c.row !== undefined) focusRow(c.row, c.field);
    return null;
  }

  function focusRow(i, cls) {
    const tr = $('rows').children[i];
    const f = tr && tr.querySelector('.' + (cls || 'cf-name'));
    if (f) f.focus();
  }

  function quoteLine(q) {
    if (!q) return '';
    if (q.rated === false) return 'No rate';
    const per = q.per_min_with_tax || q.per_min ||
      (q.rate && q.rate.per_min);
    return per === undefined ? '' : money(per, q.currency) + '/min';
  }

  /* Rate: the conference's own rates once it exists (money routes), or
   * the quote of the numbers before */
  /* a phone number (rated), not a sip: URI or a softphone user's name */
  function isPhone(n) {
    return /^\+?[0-9][0-9 ().-]*$/.test(n);
  }

  async function rate() {
    const box = $('rate-box');
    const err = $('setup-error');
    const c = collectOrSay();
    if (!c) return;
    const btn = $('rate-btn');
    btn.disabled = true;
    // phone numbers are rated; sip: URIs and softphone user names are not
    const phones = c.rows.filter((x) => isPhone(x.number));
    let r = { status: 0, data: null };
    if (phones.length) {
      r = await api('GET', '/v1/rates/quote?' + phones.map((x) => 'to=' +
        encodeURIComponent(x.number.replace(/^(?!\+)/, '+'))).join('&'));
    }
    btn.disabled = false;
    box.hidden = false;
    if (!phones.length) {
      $('rate-total').textContent = 'SIP addresses only: no call charges.';
      $('rate-note').textContent = '';
      return;
    }
    if (r.status !== 200 || !r.data) {
      $('rate-total').textContent = 'Rates are not available' +
        (r.status === 403 ? ' to your login.' : noRoute(r)
          ? ' on this server.' : ': ' + errText(r, 'error ' + r.status));
      $('rate-note').textContent = '';
      return;
    }
    const d = r.data;
    if (d.currency) state.currency = d.currency;
    const qs = d.quotes || [];
    phones.forEach((x, k) => {
      const q = qs[k];
      x.r.rate = q ? quoteLine(Object.assign({ currency: d.currency }, q))
        : '';
    });
    c.rows.forEach((x) => {
      if (!isPhone(x.number)) x.r.rate = 'SIP: no charge';
    });
    renderRows();
    const per = d.per_min_with_tax || d.per_min;
    $('rate-total').textContent = 'Total: ' + money(per, d.currency) +
      ' per minute for ' + c.rows.length + ' participant' +
      (c.rows.length === 1 ? '' : 's') +
      (d.per_min_with_tax && d.tax_rate && Number(d.tax_rate) > 0
        ? ' (tax included)' : '') + '.';
    const notes = [];
    if (amountOf(d.connect_fees) > 0)
      notes.push('Connection fees: ' + money(d.connect_fees, d.currency) +
        '.');
    if (amountOf(d.conf_min) > 0)
      notes.push('Minimum charge: ' + money(d.conf_min, d.currency) + '.');
    if (d.hold)
      notes.push('Amount reserved when you pay: ' +
        money(d.hold, d.currency) + '.');
    if (d.all_rated === false)
      notes.push('Some numbers have no rate and cannot be called.');
    $('rate-note').textContent = notes.join(' ');
    say($('rate-total').textContent);
  }

  /* a participant of a request body: the number, the name if given */
  function party(x) {
    const p = { number: x.number };
    if (x.name) p.name = x.name;
    return p;
  }

  async function begin(ev) {
    ev.preventDefault();
    if (state.change) {
      await applyChanges();
      return;
    }
    const err = $('setup-error');
    const c = collectOrSay();
    if (!c) return;
    const [own, ...rest] = c.rows;
    const body = { owner: party(own), participants: rest.map(party),
                   options: {} };
    const name = $('conf-name').value.trim();
    if (name) body.name = name;
    body.options.announce_join = $('opt-announce').checked;
    body.options.confirm_dtmf = $('opt-confirm').checked;
    body.options.end_when_owner_leaves = $('opt-owner-end').checked;
    const ring = $('opt-ring').value.trim();
    if (ring) {
      const n = parseInt(ring, 10);
      if (!(n >= 1 && n <= 300) || String(n) !== ring) {
        err.textContent = 'Ring time: a whole number of seconds from 1 to ' +
          '300.';
        $('options').open = true;
        $('opt-ring').focus();
        return;
      }
      body.options.ring_timeout_s = n;
    }
    const btn = $('begin-btn');
    btn.disabled = true;
    const r = await api('POST', '/v1/conferences', body);
    btn.disabled = false;
    if (r.status !== 201 || !r.data || !r.data.conference) {
      err.textContent = errText(r, r.status === 0
        ? 'callbridge cannot be reached.' : 'The conference was not ' +
          'created (error ' + r.status + ').');
      return;
    }
    state.conf = r.data.conference;
    state.id = state.conf.id;
    state.token = r.data.token || '';
    setHash();
    openPay();
  }

  async function applyChanges() {
    const err = $('setup-error');
    const c = collectOrSay();
    if (!c) return;
    const btn = $('begin-btn');
    btn.disabled = true;
    for (const x of c.rows) {
      let r = null;
      if (!x.r.pid) {
        r = await api('POST', confPath('/participants'), party(x));
        if (r.status === 201) x.r.pid = 'added';
      } else if (rowEditable(x.r) && (x.name !== x.r.orig.name ||
                 x.number !== cleanNumber(x.r.orig.number))) {
        const ch = {};
        if (x.name !== x.r.orig.name && x.name) ch.name = x.name;
        if (x.number !== cleanNumber(x.r.orig.number)) ch.number = x.number;
        if (!Object.keys(ch).length) continue;
        r = await api('PATCH', confPath('/participants/' +
          encodeURIComponent(x.r.pid)), ch);
        if (r.status === 200) x.r.orig = { name: x.name, number: x.number };
      }
      if (r && r.status >= 300) {
        btn.disabled = false;
        err.textContent = 'Row ' + (x.i + 1) + ': ' + errText(r,
          'not saved (error ' + r.status + ')') + '.';
        focusRow(x.i, 'cf-number');
        return;
      }
    }
    btn.disabled = false;
    await refresh();
    if (state.fromPay) openPay();
    else openControl();
    say('Participants saved.');
  }

  /* ---- 2. payment -------------------------------------------------- */

  async function openPay() {
    show('pay-view');
    $('pay-error').textContent = '';
    $('pay-ok').textContent = '';
    $('pay-skip').hidden = true;
    $('pay-submit').disabled = false;
    const box = $('pay-rates');
    box.textContent = 'Loading the rates…';
    const [rr, ar] = await Promise.all([
      api('GET', confPath('/rates')), api('GET', '/v1/accounts')]);
    renderPayRates(rr);
    const sel = $('pay-account');
    sel.textContent = '';
    state.accounts = (ar.status === 200 && ar.data &&
      (ar.data.accounts || [])) || [];
    for (const a of state.accounts) {
      if (/^sys:/.test(a.name || '')) continue;
      const o = el('option', '', a.name + (a.available !== undefined
        ? ' — ' + money(a.available, a.currency) + ' available' : ''));
      o.value = a.id;
      sel.appendChild(o);
    }
    if (!sel.options.length) {
      const o = el('option', '', 'No account');
      o.value = '';
      sel.appendChild(o);
    }
    if (noRoute(rr)) {
      /* no money routes on this server: say so, let the user go on */
      $('pay-error').textContent = '';
      $('pay-ok').textContent = 'Payment is not available on this ' +
        'server: the conference is not pre-authorized.';
      $('pay-skip').hidden = false;
    }
  }

  function renderPayRates(r) {
    const box = $('pay-rates');
    box.textContent = '';
    if (r.status !== 200 || !r.data) {
      box.appendChild(el('p', 'muted', noRoute(r)
        ? 'Rates are not available on this server.'
        : errText(r, 'The rates could not be loaded.')));
      return;
    }
    const d = r.data;
    if (d.currency) state.currency = d.currency;
    state.rates = d;
    const list = d.participants || d.quotes || [];
    const t = el('table', 'grid');
    const head = el('tr');
    for (const h of ['Participant', 'Per minute'])
      head.appendChild(Object.assign(el('th', '', h), { scope: 'col' }));
    t.appendChild(el('thead')).appendChild(head);
    const tb = el('tbody');
    const names = learnNames();
    for (const q of list) {
      const tr = el('tr');
      const num = q.number || q.to || '';
      const nm = q.name || names[num] || '';
      tr.appendChild(el('td', '', (nm ? nm + ' ' : '') + num));
      tr.appendChild(el('td', 'num', quoteLine(
        Object.assign({ currency: d.currency }, q))));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    box.appendChild(t);
    const dl = el('dl', 'cf-facts');
    const fact = (k, v) => {
      if (v === undefined || v === null) return;
      dl.appendChild(el('dt', '', k));
      dl.appendChild(el('dd', 'num', v));
    };
    const per = d.per_min_with_tax || d.per_min;
    if (per !== undefined) fact('Total per minute', money(per, d.currency));
    if (amountOf(d.conf_min) > 0)
      fact('Minimum charge', money(d.conf_min, d.currency));
    const hold = d.hold || d.estimate || d.authorize;
    if (hold) fact('Reserved now', money(hold, d.currency));
    box.appendChild(dl);
  }

  function payMethod() {
    const m = document.querySelector('input[name="method"]:checked');
    return m ? m.value : 'prepaid';
  }

  function methodChanged() {
    $('card-fields').hidden = payMethod() !== 'card';
  }

  /* a refusal in words: what happened, and that nobody was called */
  function declineText(r) {
    const e = (r.data && r.data.error) || {};
    const why = {
      insufficient_funds: 'There is not enough money on the account for ' +
        'the amount to reserve. Top it up or pay by card.',
      card_declined: 'The card was declined' + (e.message &&
        !/declined/i.test(e.message) ? ' (' + e.message + ')' : '') +
        '. Check the number, expiry and code, or use another card.',
      unknown_account: 'That account does not exist.',
      no_rate: 'A participant\'s number has no rate and cannot be called.',
    }[e.code];
    return (why || errText(r, 'Payment failed (error ' + r.status + ').')) +
      ' Nobody has been called.';
  }

  async function pay(ev) {
    ev.preventDefault();
    const err = $('pay-error');
    err.textContent = '';
    $('pay-ok').textContent = '';
    const account = $('pay-account').value;
    if (!account) {
      err.textContent = 'Choose the account to charge.';
      $('pay-account').focus();
      return;
    }
    const body = { account };
    const btn = $('pay-submit');
    btn.disabled = true;
    if (payMethod() === 'card') {
      const number = $('card-number').value.replace(/[\s-]/g, '');
      const expiry = $('card-expiry').value.trim();
      const cvv = $('card-cvv').value.trim();
      if (!/^[0-9]{12,19}$/.test(number)) {
        btn.disabled = false;
        err.textContent = 'The card number is 12 to 19 digits.';
        $('card-number').focus();
        return;
      }
      if (!/^(0[1-9]|1[0-2])\/([0-9]{2}|[0-9]{4})$/.test(expiry)) {
        btn.disabled = false;
        err.textContent = 'The expiry is the month and year: MM/YY.';
        $('card-expiry').focus();
        return;
      }
      if (!/^[0-9]{3,4}$/.test(cvv)) {
        btn.disabled = false;
        err.textContent = 'The security code is 3 or 4 digits.';
        $('card-cvv').focus();
        return;
      }
      const cr = await api('POST', '/v1/accounts/' +
        encodeURIComponent(account) + '/cards', { number, expiry, cvv });
      if (cr.status !== 201 && cr.status !== 200) {
        btn.disabled = false;
        err.textContent = declineText(cr);
        return;
      }
      const card = cr.data.card || cr.data;
      body.method = card.id;
    }
    const r = await api('POST', confPath('/authorize'), body);
    btn.disabled = false;
    if (noRoute(r)) {
      $('pay-ok').textContent = 'Payment is not available on this ' +
        'server: the conference is not pre-authorized.';
      $('pay-skip').hidden = false;
      $('pay-skip').focus();
      return;
    }
    if (r.status === 409 && r.data && r.data.error &&
        r.data.error.code === 'already_authorized') {
      await refresh();
      openControl();
      return;
    }
    if (r.status !== 200 && r.status !== 201) {
      err.textContent = declineText(r);
      return;
    }
    const d = r.data || {};
    if (d.participants) mergeConf(d);
    const b = d.billing || {};
    $('pay-ok').textContent = 'Authorized' + (b.held ? ': ' +
      money(b.held, b.currency) + ' reserved' : '') + '.';
    await refresh();
    openControl();
    say($('pay-ok').textContent + ' You can call the participants now.');
  }

  /* ---- 3. control -------------------------------------------------- */

  function openControl() {
    state.fromPay = false;
    show('control-view');
    $('control-error').textContent = '';
    render();
    connect();
    clearInterval(state.tickTimer);
    state.tickTimer = setInterval(tick, 1000);
    clearInterval(state.totalTimer);
    /* the running total moves without events: read it now and then */
    state.totalTimer = setInterval(() => {
      if (state.ws && anyOnCall()) refresh();
    }, 5000);
  }

  function anyOnCall() {
    return !!(state.conf && state.conf.participants.some((p) =>
      ON_CALL.has(p.status)));
  }

  async function refresh() {
    if (!state.on || !state.id) return false;
    const r = await api('GET', confPath());
    if (r.status === 200 && r.data) {
      mergeConf(r.data);
      if (state.view === 'control-view') render();
      return true;
    }
    if (r.status === 404 && state.view === 'control-view') {
      $('control-error').textContent = 'This conference no longer exists.';
      stopLive();
    }
    return false;
  }

  function refreshSoon() {
    if (state.soonTimer) return;
    state.soonTimer = setTimeout(() => {
      state.soonTimer = 0;
      refresh();
    }, 250);
  }

  function render() {
    const c = state.conf;
    if (!c) return;
    learnNames();
    if (c.currency) state.currency = c.currency;
    if (c.billing && c.billing.currency) state.currency = c.billing.currency;
    renderBilling(c);
    $('control-title').textContent = c.name || 'Conference';
    const ended = c.status === 'ended';
    $('conf-state').textContent = ended ? 'Ended' : 'Active';
    $('conf-in').textContent = String(c.in_conference || 0);
    $('running-total').textContent = c.cost === null ||
      c.cost === undefined ? 'not available' : money(c.cost);
    $('running-total').classList.toggle('muted', c.cost == null);
    $('control-help').textContent = ended
      ? 'The conference has ended.'
      : 'Choose a participant to call them; choose a connected one to ' +
        'hang up on them. Participants are called only when you say so.' +
        (c.talking_supported === false ? ' (Who is talking is not ' +
          'shown: this server does not measure it.)' : '');
    $('end-btn').disabled = ended;
    $('change-btn').disabled = ended;
    const list = $('cards');
    const seen = new Set();
    for (const p of c.participants) {
      seen.add(p.id);
      let li = list.querySelector('li[data-pid="' + p.id + '"]');
      if (!li) {
        li = buildCard(p);
        list.appendChild(li);
      }
      fillCard(li, p, ended);
    }
    for (const li of [...list.children]) {
      if (!seen.has(li.dataset.pid)) li.remove();
    }
    if (ended && !state.endedShown) {
      state.endedShown = true;
      say('The conference has ended.');
      setTimeout(openWrap, 800);
    }
  }

  /* the hold: how much is reserved, and the question of policy "ask" */
  function renderBilling(c) {
    const b = c.billing;
    const info = $('hold-info');
    info.textContent = b && b.authorized && b.held
      ? 'Reserved: ' + money(b.held, b.currency) : b && b.required &&
        !b.authorized ? 'Not paid yet: participants cannot be called.' : '';
    const ask = $('ask-box');
    const asking = !!(b && b.state === 'asking') && c.status !== 'ended';
    if (asking && ask.hidden) say('The reserved amount is nearly used. ' +
      'Continue to reserve more, or the conference ends.');
    ask.hidden = !asking;
  }

  async function confirmMore() {
    const btn = $('ask-btn');
    btn.disabled = true;
    const r = await api('POST', confPath('/billing/confirm'));
    btn.disabled = false;
    if (r.status === 202 || r.status === 200) {
      $('ask-box').hidden = true;
      refreshSoon();
    } else {
      $('control-error').textContent = errText(r, 'Not confirmed (error ' +
        r.status + ').');
    }
  }

  function buildCard(p) {
    const li = el('li', 'cf-card');
    li.dataset.pid = p.id;
    const main = el('button', 'cf-main');
    main.type = 'button';
    main.addEventListener('click', () => primary(li.dataset.pid));
    const ic = el('span', 'cf-icon-wrap');
    main.appendChild(ic);
    const txt = el('span', 'cf-text');
    txt.appendChild(el('span', 'cf-who'));
    txt.appendChild(el('span', 'cf-num mono'));
    const st = el('span', 'cf-status');
    st.appendChild(el('span', 'cf-status-text'));
    st.appendChild(el('span', 'cf-timer num'));
    txt.appendChild(st);
    txt.appendChild(el('span', 'cf-detail'));
    txt.appendChild(el('span', 'cf-hint'));
    main.appendChild(txt);
    li.appendChild(main);
    const tools = el('div', 'cf-tools');
    const talk = el('span', 'cf-talking', 'Talking');
    talk.hidden = true;
    tools.appendChild(talk);
    for (const [k, label] of [['mute', 'Mute'], ['deaf', 'Deafen']]) {
      const b = el('button', 'btn btn-ghost btn-small cf-toggle', label);
      b.type = 'button';
      b.dataset.toggle = k;
      b.addEventListener('click', () => toggle(li.dataset.pid, k));
      tools.appendChild(b);
    }
    tools.appendChild(el('span', 'cf-cost num'));
    li.appendChild(tools);
    const err = el('p', 'error cf-card-error');
    err.setAttribute('role', 'alert');
    li.appendChild(err);
    return li;
  }

  function who(p) {
    return p.name || p.number || p.id;
  }

  function fillCard(li, p, ended) {
    const prev = li.dataset.status;
    const st = p.status;
    li.dataset.status = st;
    li.dataset.tone = TONE[st] || 'bad';
    li.dataset.owner = p.owner ? 'true' : 'false';
    const main = li.querySelector('.cf-main');
    const wrap = li.querySelector('.cf-icon-wrap');
    if (prev !== st || !wrap.firstChild) wrap.replaceChildren(icon(st));
    li.querySelector('.cf-who').textContent = who(p) +
      (p.owner ? ' (you)' : '');
    li.querySelector('.cf-num').textContent = p.number || '';
    li.querySelector('.cf-status-text').textContent = WORDS[st] || st;
    let detail = '';
    if (st === 'connected' && p.stage === 'announcement')
      detail = 'Hearing the invitation';
    else if (st === 'connected' && p.stage === 'confirm')
      detail = 'Waiting for them to press 1';
    else if (p.held) detail = 'On hold';
    else if (p.cause && !ON_CALL.has(st) && st !== 'on-hook' &&
             p.cause !== 'normal' && p.cause !== st &&
             !(st === 'no-lines' && p.cause === 'unavailable'))
      detail = {
        hangup: 'Hung up from this page',
        'conference-ended': 'The conference ended',
        'not-confirmed': 'Did not press 1',
      }[p.cause] || 'Cause: ' + String(p.cause).replace(/-/g, ' ');
    li.querySelector('.cf-detail').textContent = detail;
    let action = '';
    if (!ended) {
      action = st === 'connected' ? 'Hang up'
        : st === 'dialing' || st === 'ringing' ? 'Cancel call'
          : st === 'on-hook' ? 'Call' : 'Call again';
    }
    li.querySelector('.cf-hint').textContent = action;
    main.disabled = ended || state.pending.has(p.id);
    main.setAttribute('aria-label', who(p) + ', ' + (WORDS[st] || st) +
      (detail ? ', ' + detail : '') + (action ? '. ' + action : ''));
    for (const b of li.querySelectorAll('.cf-toggle')) {
      const on = b.dataset.toggle === 'mute' ? !!p.muted : !!p.deaf;
      b.setAttribute('aria-pressed', String(on));
      b.textContent = b.dataset.toggle === 'mute'
        ? (on ? 'Muted' : 'Mute') : (on ? 'Deafened' : 'Deafen');
      b.setAttribute('aria-label', (b.dataset.toggle === 'mute'
        ? 'Mute ' : 'Deafen ') + who(p));
      b.disabled = ended;
    }
    li.querySelector('.cf-talking').hidden = !p.talking;
    li.querySelector('.cf-cost').textContent = p.cost == null ? ''
      : money(p.cost);
    li.dataset.since = String(st === 'connected'
      ? (p.joined_ms || p.answered_ms || 0)
      : ON_CALL.has(st) ? (p.dialed_ms || 0) : 0);
    li.dataset.until = String(st === 'left' && p.answered_ms && p.left_ms
      ? p.left_ms - p.answered_ms : -1);
    if (prev && prev !== st)
      say(who(p) + ': ' + (WORDS[st] || st).toLowerCase());
    tickCard(li);
  }

  function tickCard(li) {
    const since = Number(li.dataset.since);
    const until = Number(li.dataset.until);
    const t = li.querySelector('.cf-timer');
    t.textContent = since > 0 ? fmtDur(Date.now() - since)
      : until >= 0 ? fmtDur(until) : '';
  }

  function tick() {
    for (const li of $('cards').children) tickCard(li);
  }

  function partyErr(pid, text) {
    const li = $('cards').querySelector('li[data-pid="' + pid + '"]');
    if (li) li.querySelector('.cf-card-error').textContent = text;
  }

  function actionError(r, what) {
    const e = (r.data && r.data.error) || {};
    if (r.status === 402 || e.code === 'payment_required' ||
        e.code === 'not_authorized')
      return 'Pay first: ' + errText(r, 'the conference is not ' +
        'pre-authorized') + '.';
    if (e.code === 'too_many_participants')
      return 'The conference is full.';
    if (r.status === 409 && e.code === 'ended')
      return 'The conference has ended.';
    if (r.status === 409)
      return 'Not now: the participant\'s call changed. Try again.';
    return errText(r, what + ' failed (error ' + r.status + ').');
  }

  /*
   * How far a participant's story has gone: the dial it is on (dialed_ms
   * grows with each new dial), then its place in on-hook -> dialing ->
   * ringing -> connected -> an end.  A reply or a GET answered before an
   * event may arrive after it: an older snapshot never replaces a newer
   * status (its other fields, e.g. mute, still do).
   */
  function progress(p) {
    const rank = { dialing: 1, ringing: 2, connected: 3 }[p.status];
    return [p.dialed_ms || 0, rank !== undefined ? rank
      : p.status === 'on-hook' && !p.dialed_ms ? 0 : 4];
  }

  function older(a, b) {
    const x = progress(a);
    const y = progress(b);
    return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
  }

  const STORY = ['status', 'cause', 'stage', 'in_conference', 'call_id',
                 'dialed_ms', 'answered_ms', 'joined_ms', 'left_ms'];

  function mergeInto(ps, p) {
    const i = ps.findIndex((x) => x.id === p.id);
    if (i < 0) {
      ps.push(p);
      return;
    }
    const n = Object.assign({}, ps[i], p);
    if (older(p, ps[i])) {
      for (const k of STORY) n[k] = ps[i][k];
    }
    ps[i] = n;
  }

  function merge(p) {
    if (!p || !p.id || !state.conf) return;
    mergeInto(state.conf.participants, p);
  }

  /* a GET of the whole conference, merged the same way */
  function mergeConf(c) {
    if (!state.conf || state.conf.id !== c.id) {
      state.conf = c;
      return;
    }
    const ps = state.conf.participants;
    for (const p of c.participants) mergeInto(ps, p);
    const ended = state.conf.status === 'ended';
    state.conf = Object.assign({}, c, { participants: ps.filter((x) =>
      c.participants.some((y) => y.id === x.id)) });
    if (ended) state.conf.status = 'ended';      /* an older answer */
  }

  /* the card's main button: call, cancel or hang up */
  async function primary(pid) {
    const p = state.conf && state.conf.participants.find((x) =>
      x.id === pid);
    if (!p || state.conf.status === 'ended' || state.pending.has(pid))
      return;
    partyErr(pid, '');
    state.pending.add(pid);
    render();
    const path = confPath('/participants/' + encodeURIComponent(pid));
    const hang = ON_CALL.has(p.status);
    const r = hang ? await api('DELETE', path)
      : await api('PATCH', path, { action: 'dial' });
    state.pending.delete(pid);
    if (r.status === 200 && r.data) {
      merge(r.data.participant || r.data);
    } else {
      partyErr(pid, actionError(r, hang ? 'Hanging up' : 'Calling'));
    }
    render();
    refreshSoon();
  }

  async function toggle(pid, k) {
    const p = state.conf && state.conf.participants.find((x) =>
      x.id === pid);
    if (!p) return;
    partyErr(pid, '');
    const on = !(k === 'mute' ? p.muted : p.deaf);
    const r = await api('PATCH', confPath('/participants/' +
      encodeURIComponent(pid)), { [k]: on });
    if (r.status === 200 && r.data) {
      merge(r.data.participant || r.data);
      render();
      say(who(p) + (k === 'mute' ? (on ? ' muted' : ' unmuted')
        : (on ? ' deafened' : ' hears again')));
    } else {
      partyErr(pid, actionError(r, k === 'mute' ? 'Mute' : 'Deafen'));
    }
  }

  async function endConf() {
    $('end-dialog').close();
    $('control-error').textContent = '';
    const btn = $('end-btn');
    btn.disabled = true;
    const r = await api('POST', confPath('/end'));
    if (r.status !== 200) {
      btn.disabled = false;
      $('control-error').textContent = errText(r, 'The conference was not ' +
        'ended (error ' + r.status + ').');
      return;
    }
    if (r.data && r.data.participants) mergeConf(r.data);
    render();
    refreshSoon();
  }

  function renderLegend() {
    const ul = $('legend-list');
    ul.textContent = '';
    for (const st of Object.keys(WORDS)) {
      const li = el('li', 'cf-legend-item');
      li.dataset.tone = TONE[st];
      li.appendChild(icon(st));
      const t = el('span');
      t.appendChild(el('strong', '', WORDS[st]));
      t.appendChild(document.createTextNode(': ' + MEANING[st]));
      li.appendChild(t);
      ul.appendChild(li);
    }
  }

  /* ---- live updates ------------------------------------------------ */

  function setLive(mode) {
    const l = $('live');
    l.className = 'live live-' + mode;
    l.textContent = mode === 'on' ? 'Live' : mode === 'poll'
      ? 'Reconnecting · updating every 2 s' : 'Offline';
  }

  function ours(ev) {
    if (ev.conference_id) return ev.conference_id === state.id;
    return !!(ev.call_id && state.conf && state.conf.participants.some(
      (p) => p.call_id === ev.call_id));
  }

  function onEvent(ev) {
    if (!ev || !ours(ev)) return;
    if (ev.participant && ev.leg_id)
      state.legs[ev.participant.id] = { call_id: ev.call_id,
                                        leg_id: ev.leg_id };
    if (ev.type === 'conference.participant' && ev.participant) {
      merge(ev.participant);
      render();
    } else if (ev.type === 'conference.cost' && ev.billing &&
               state.conf) {
      /* the running total, pushed */
      state.conf.billing = ev.billing;
      if (ev.billing.cost !== undefined) state.conf.cost = ev.billing.cost;
      for (const x of ev.billing.participants || []) {
        const p = state.conf.participants.find((y) => y.id === x.id);
        if (p && x.cost !== undefined) p.cost = x.cost;
      }
      render();
      return;
    }
    refreshSoon();
  }

  /* the event WebSocket, polling while it is down (web/api.js) */
  const feed = window.cbApi.live(state, {
    refresh, setLive, onEvent, pollMs: POLL_MS,
    keep: () => state.on && state.view === 'control-view',
  });
  const connect = feed.connect;

  function stopLive() {
    feed.stop();
    clearInterval(state.tickTimer);
    clearInterval(state.totalTimer);
    state.tickTimer = state.totalTimer = 0;
  }

  /* ---- 4. wrap-up -------------------------------------------------- */

  async function openWrap() {
    show('wrap-view');
    const c = state.conf;
    $('wrap-lead').textContent = (c && c.name ? c.name + ': ' : '') +
      'the conference has ended.';
    $('trouble-error').textContent = '';
    $('trouble-ok').textContent = '';
    const r = await api('GET', confPath('/summary'));
    if (r.status === 200 && r.data) {
      renderSummary(r.data);
    } else {
      renderNoSummary(r);
    }
  }

  /* a softphone participant's leg reached one of its devices (a
   * contact URI): shown as what the participant was given as */
  function asGiven(num, callId) {
    const ps = (state.conf && state.conf.participants) || [];
    const p = /^sips?:/i.test(num || '') && callId &&
      ps.find((x) => x.call_id === callId);
    return p && p.number ? p.number : num;
  }

  /* one row per leg: what the summary says, tolerant of its shape */
  function sumRows(d) {
    const rows = d.participants || d.legs || d.lines || [];
    const out = [];
    const names = learnNames();
    for (const x of rows) {
      const legs = x.legs && x.legs.length ? x.legs : [x];
      for (const l of legs) {
        const num = asGiven(l.number || x.number || l.peer || l.to || '',
                            l.call_id || x.call_id);
        out.push({
          name: x.name || l.name || names[num] || '',
          pid: x.id || x.participant || '',
          number: num,
          duration_ms: l.duration_ms !== undefined ? l.duration_ms
            : x.duration_ms,
          charge: l.charge !== undefined ? l.charge : l.cost !== undefined
            ? l.cost : x.charge !== undefined ? x.charge : x.cost,
          call_id: l.call_id || x.call_id || state.id,
          leg_id: l.leg_id || x.leg_id || '',
          credited: l.credited, trouble: l.trouble,
        });
      }
    }
    return out;
  }

  function renderSummary(d) {
    if (d.currency) state.currency = d.currency;
    const cur = d.currency;
    const body = $('sum-body');
    body.textContent = '';
    const rows = sumRows(d);
    for (const x of rows) {
      const tr = el('tr');
      tr.appendChild(el('td', '', x.name));
      tr.appendChild(el('td', 'mono', x.number));
      tr.appendChild(el('td', 'num numc', minutes(x.duration_ms)));
      tr.appendChild(el('td', 'num numc', money(x.charge, cur)));
      body.appendChild(tr);
    }
    const foot = $('sum-foot');
    foot.textContent = '';
    const line = (label, v, cls) => {
      if (v === undefined || v === null) return;
      const tr = el('tr', cls || '');
      const th = el('th', '', label);
      th.scope = 'row';
      th.colSpan = 3;
      tr.appendChild(th);
      tr.appendChild(el('td', 'num numc', money(v, cur)));
      foot.appendChild(tr);
    };
    const minTxt = amountOf(d.conf_min || d.minimum) > 0
      ? ' (minimum ' + money(d.conf_min || d.minimum, cur) + ')' : '';
    line('Subtotal', d.subtotal);
    line('Minimum charge adjustment' + minTxt, d.min_adjust ||
      d.minimum_adjustment || '0');
    if (amountOf(d.rounding)) line('Rounding', d.rounding);
    line('Taxes', d.tax !== undefined ? d.tax : d.taxes);
    line('Total', d.total, 'cf-total-row');
    if (d.charged !== undefined && d.charged !== d.total)
      line('Charged to your account', d.charged, 'cf-total-row');
    if (amountOf(d.credited) > 0) line('Credited', d.credited);
    $('sum-note').textContent = d.final === false
      ? 'These figures are not final yet.' : '';
    renderTrouble(rows);
  }

  function renderNoSummary(r) {
    $('sum-note').textContent = noRoute(r)
      ? 'Charges are not available on this server: the times below are ' +
        'from the calls themselves.'
      : errText(r, 'The charges could not be loaded (error ' + r.status +
        ').');
    const body = $('sum-body');
    body.textContent = '';
    const rows = [];
    for (const p of (state.conf && state.conf.participants) || []) {
      const dur = p.answered_ms && p.left_ms ? p.left_ms - p.answered_ms
        : 0;
      const leg = state.legs[p.id] || {};
      rows.push({ name: p.name || '', number: p.number || '',
                  duration_ms: dur, charge: null,
                  call_id: leg.call_id || p.call_id || '',
                  leg_id: leg.leg_id || '' });
      const tr = el('tr');
      tr.appendChild(el('td', '', p.name || ''));
      tr.appendChild(el('td', 'mono', p.number || ''));
      tr.appendChild(el('td', 'num numc', minutes(dur)));
      tr.appendChild(el('td', 'num numc', '—'));
      body.appendChild(tr);
    }
    $('sum-foot').textContent = '';
    renderTrouble(rows.filter((x) => x.duration_ms > 0));
  }

  function renderTrouble(rows) {
    const body = $('trouble-body');
    body.textContent = '';
    const legs = rows.filter((x) => x.call_id && x.leg_id &&
                                    x.duration_ms > 0);
    $('trouble-form').hidden = false;
    if (!legs.length) {
      const tr = el('tr');
      const td = el('td', 'muted', 'No answered calls to report on.');
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
      $('trouble-submit').disabled = true;
      return;
    }
    $('trouble-submit').disabled = false;
    legs.forEach((x, i) => {
      const tr = el('tr');
      tr.dataset.call = x.call_id;
      tr.dataset.leg = x.leg_id;
      const label = (x.name ? x.name + ' ' : '') + x.number;
      tr.appendChild(el('td', 'mono', x.number));
      for (const k of ['noise', 'disconnected']) {
        const td = el('td');
        const cb = el('input');
        cb.type = 'checkbox';
        cb.dataset.kind = k;
        cb.id = 'tr-' + i + '-' + k;
        cb.setAttribute('aria-label', (k === 'noise' ? 'Noise on the line'
          : 'Disconnected') + ': ' + label);
        td.appendChild(cb);
        tr.appendChild(td);
      }
      const td = el('td', 'cf-other');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.dataset.kind = 'other';
      cb.setAttribute('aria-label', 'Other trouble: ' + label);
      const txt = el('input', 'cf-other-text');
      txt.maxLength = 500;
      txt.placeholder = 'Type trouble here';
      txt.setAttribute('aria-label', 'Describe the trouble: ' + label);
      txt.addEventListener('input', () => { cb.checked = !!txt.value; });
      td.appendChild(cb);
      td.appendChild(txt);
      tr.appendChild(td);
      if (x.trouble || amountOf(x.credited) > 0) markCredited(tr,
        x.credited, true);
      body.appendChild(tr);
    });
  }

  function markCredited(tr, amount, before) {
    for (const i of tr.querySelectorAll('input')) i.disabled = true;
    const td = tr.firstChild;
    if (td.querySelector('.cf-credit')) return;
    td.appendChild(el('span', 'cf-credit', (before ? 'Reported' :
      'Credited') + (amountOf(amount) > 0 ? ' ' + money(amount) : '')));
  }

  async function trouble(ev) {
    ev.preventDefault();
    const err = $('trouble-error');
    const ok = $('trouble-ok');
    err.textContent = '';
    ok.textContent = '';
    const todo = [];
    for (const tr of $('trouble-body').querySelectorAll('tr[data-leg]')) {
      const kinds = [...tr.querySelectorAll('input[type=checkbox]')]
        .filter((c) => c.checked && !c.disabled).map((c) => c.dataset.kind);
      if (!kinds.length) continue;
      const text = tr.querySelector('.cf-other-text').value.trim();
      if (kinds[0] === 'other' && !text) {
        err.textContent = 'Describe the other trouble.';
        tr.querySelector('.cf-other-text').focus();
        return;
      }
      const body = { kind: kinds[0] };
      const notes = kinds.slice(1).join(', ') + (text ? (kinds.length > 1
        ? '; ' : '') + text : '');
      if (notes) body.text = notes.slice(0, 500);
      todo.push({ tr, body });
    }
    if (!todo.length) {
      err.textContent = 'Check the trouble you had next to a call first.';
      return;
    }
    const btn = $('trouble-submit');
    btn.disabled = true;
    let total = 0;
    const msgs = [];
    for (const t of todo) {
      const r = await api('POST', (t.tr.dataset.call === state.id
        ? '/v1/conferences/' : '/v1/calls/') +
        encodeURIComponent(t.tr.dataset.call) + '/legs/' +
        encodeURIComponent(t.tr.dataset.leg) + '/trouble', t.body);
      if (r.status === 201 || r.status === 200) {
        const c = r.data && r.data.credited;
        if (r.data && r.data.currency) state.currency = r.data.currency;
        total += amountOf(c) || 0;
        markCredited(t.tr, c, false);
      } else if (r.status === 409) {
        markCredited(t.tr, null, true);
        msgs.push('A call was already reported: it is credited once.');
      } else {
        msgs.push(errText(r, 'A report was not accepted (error ' +
          r.status + ').'));
      }
    }
    btn.disabled = false;
    if (total > 0 || msgs.length === 0)
      ok.textContent = 'Thank you. Credited ' + money(String(total)) +
        ' to your account.';
    err.textContent = msgs.join(' ');
  }

  /* ---- wiring ------------------------------------------------------ */

  window.cbApi.signIn(api, start, showLogin);
  $('add-row').addEventListener('click', addRow);
  $('rate-btn').addEventListener('click', rate);
  $('setup-form').addEventListener('submit', begin);
  $('help-btn').addEventListener('click', () => {
    const open = $('help').hidden;
    $('help').hidden = !open;
    $('help-btn').setAttribute('aria-expanded', String(open));
  });
  document.querySelectorAll('input[name="method"]').forEach((r) =>
    r.addEventListener('change', methodChanged));
  $('pay-form').addEventListener('submit', pay);
  $('pay-back').addEventListener('click', () => {
    state.fromPay = true;
    changeSetup();
  });
  $('pay-skip').addEventListener('click', () => openControl());
  $('change-btn').addEventListener('click', () => {
    if (state.conf) changeSetup();
  });
  $('legend-btn').addEventListener('click', () => {
    const open = $('legend').hidden;
    $('legend').hidden = !open;
    $('legend-btn').setAttribute('aria-expanded', String(open));
  });
  $('end-btn').addEventListener('click', () => $('end-dialog').showModal());
  $('ask-btn').addEventListener('click', confirmMore);
  $('end-cancel').addEventListener('click', () => $('end-dialog').close());
  $('end-confirm').addEventListener('click', endConf);
  $('trouble-form').addEventListener('submit', trouble);
  window.addEventListener('hashchange', () => {
    if (state.on) start(state.csrf, state.login);
  });
  renderLegend();

  /* an open session (cookie) goes straight on */
  window.cbApi.resume(api, start, showLogin);
})();
