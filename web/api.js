/* callbridge: what the signed-in pages share (web/index.html with app.js,
 * web/agent.html with agent.js, web/conference.html with conference.js),
 * loaded before the page's own script as
 * window.cbApi.  client(state, ended) is the page's JSON client of the
 * API: same origin, the session cookie, and on every state-changing
 * request the session's CSRF token (state.csrf) in X-CSRF-Token; a 401
 * while signed in (state.on) calls ended().  An optional fourth argument
 * adds headers of the page's own to one call (the conference page's
 * X-Conference-Token).  It answers { status, data }
 * (data: the JSON body or null) and throws if callbridge is unreachable.
 * errText() puts an error answer in words; el() makes an element;
 * live() runs a page's event WebSocket with polling as the fallback
 * (index, conference); signIn() and resume() are the sign-in of the
 * agent and conference pages. */
'use strict';

window.cbApi = (function () {
  function client(state, ended) {
    return async function api(method, path, body, extra) {
      const h = Object.assign({}, extra || {});
      if (body !== undefined) h['Content-Type'] = 'application/json';
      if (method !== 'GET' && state.csrf) h['X-CSRF-Token'] = state.csrf;
      const r = await fetch(path, { method, headers: h,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body) });
      let data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      if (r.status === 401 && state.on) ended();
      return { status: r.status, data };
    };
  }

  function errText(res, fallback) {
    const e = res.data && res.data.error;
    if (!e) return fallback;
    return e.field ? e.message + ' (' + e.field + ')' : e.message;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* live(state, o): a page's live updates.  The event WebSocket
   * (/v1/events); while it is down, o.refresh() every o.pollMs and a
   * reconnect after 1 s, doubling up to 15 s.  o.setLive(mode) shows
   * 'on', 'poll' or 'off'; o.onEvent(ev) takes each event (JSON);
   * after a close it reconnects only while o.keep() says so.  Uses
   * state.on, state.ws, state.wsDelay and state.pollTimer.  Answers
   * { connect, stop }: stop() closes the socket, ends the polling and
   * shows 'off'. */
  function live(state, o) {
    function startPolling() {
      if (!state.pollTimer)
        state.pollTimer = setInterval(o.refresh, o.pollMs);
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
        o.setLive('poll');
        startPolling();
        return;
      }
      state.ws = ws;
      ws.onopen = () => {
        state.wsDelay = 1000;
        stopPolling();
        o.setLive('on');
        o.refresh();
      };
      ws.onmessage = (m) => {
        let ev = null;
        try { ev = JSON.parse(m.data); } catch (e) { return; }
        o.onEvent(ev);
      };
      ws.onclose = () => {
        if (state.ws !== ws) return;
        state.ws = null;
        if (!o.keep()) return;
        o.setLive('poll');
        startPolling();
        setTimeout(connect, state.wsDelay);
        state.wsDelay = Math.min(state.wsDelay * 2, 15000);
      };
    }

    function stop() {
      stopPolling();
      if (state.ws) {
        const ws = state.ws;
        state.ws = null;
        ws.close();
      }
      o.setLive('off');
    }

    return { connect, stop };
  }

  /* signIn(api, start, showLogin): the sign-in form (#login-form with
   * #login, #password, #login-submit, #login-error) and #signout of the
   * agent and conference pages.  api(method, path, body) answers
   * { status, data }; start(csrf, login) opens the page signed in. */
  function signIn(api, start, showLogin) {
    $id('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const login = $id('login').value.trim();
      const password = $id('password').value;
      if (!login || !password) {
        $id('login-error').textContent = 'Enter your login and password.';
        return;
      }
      const btn = $id('login-submit');
      btn.disabled = true;
      const r = await api('POST', '/v1/auth/login', { login, password });
      btn.disabled = false;
      if (r.status !== 200 || !r.data) {
        $id('login-error').textContent = r.status === 401
          ? 'Wrong login or password.' : errText(r, 'Sign-in failed.');
        $id('password').value = '';
        $id('password').focus();
        return;
      }
      start(r.data.csrf_token, r.data.user && r.data.user.login);
    });
    $id('signout').addEventListener('click', async () => {
      await api('POST', '/v1/auth/logout');
      showLogin('Signed out.');
    });
  }

  /* resume(api, start, showLogin): an open session (cookie) goes
   * straight on, else the sign-in form */
  async function resume(api, start, showLogin) {
    const r = await api('GET', '/v1/me');
    if (r.status === 200 && r.data && r.data.auth === 'session')
      start(r.data.csrf_token, r.data.login);
    else
      showLogin('');
  }

  function $id(id) {
    return document.getElementById(id);
  }

  return { client, errText, el, live, signIn, resume };
})();
