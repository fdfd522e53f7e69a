/* callbridge: what the signed-in pages share (web/index.html with app.js,
 * web/agent.html with agent.js), loaded before the page's own script as
 * window.cbApi.  client(state, ended) is the page's JSON client of the
 * API: same origin, the session cookie, and on every state-changing
 * request the session's CSRF token (state.csrf) in X-CSRF-Token; a 401
 * while signed in (state.on) calls ended().  An optional fourth argument
 * adds headers of the page's own to one call (the conference page's
 * X-Conference-Token).  It answers { status, data }
 * (data: the JSON body or null) and throws if callbridge is unreachable.
 * errText() puts an error answer in words; el() makes an element. */
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

  return { client, errText, el };
})();
