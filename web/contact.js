/* callbridge web console: the Contact centre page (#/contact).  The
 * business's settings (GET/PUT /v1/contact/business), its agents
 * (/v1/contact/agents: add, edit, remove) and the live queue and agent
 * status (GET /v1/contact/status), refreshed every 2 s while the page is
 * shown.  app.js owns the views and lends its helpers (window.cbConsole);
 * it calls cbContact.show() and hide(). */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 2000;
  const NUMS = { ring_s: 'cc-ring', fallback_s: 'cc-fallback',
                 wrap_s: 'cc-wrap', max_noanswer: 'cc-noanswer',
                 position_s: 'cc-position' };
  /* agent and request status -> pill colour (app.css) */
  const PILL = { available: 'answered', 'on-call': 'connected',
                 connected: 'connected', offered: 'ringing',
                 calling: 'calling', queued: 'ringing',
                 callback: 'held', 'wrap-up': 'held', break: 'held',
                 'logged-out': 'ended' };
  const st = { timer: 0, editing: null, editingUser: '', tenants: false,
              busy: false };

  const cb = () => window.cbConsole;

  /* ?tenant= for an admin looking at another business */
  function q(path) {
    const sel = $('cc-tenant');
    if (!cb().isAdmin() || !sel.value) return path;
    return path + (path.includes('?') ? '&' : '?') + 'tenant=' +
      encodeURIComponent(sel.value);
  }

  function statusPill(s) {
    return cb().pill(PILL[s] || 'new', s || 'unknown');
  }

  function fmtWait(ms) {
    if (!(ms >= 0)) return '—';
    const s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  /* ---- settings ---------------------------------------------------- */

  function hoursText(hours) {
    return (hours || []).map((h) => h.days + ' ' + h.open + '-' + h.close)
      .join('; ');
  }

  /* "mon-fri 09:00-17:00; sat 10:00-14:00" -> [{days, open, close}];
   * the daemon checks the pieces */
  function hoursParse(text) {
    return text.split(';').map((s) => s.trim()).filter((s) => s)
      .map((s) => {
        const m = /^(\S+)\s+(\S+?)\s*-\s*(\S+)$/.exec(s);
        return m ? { days: m[1], open: m[2], close: m[3] }
          : { days: s, open: '', close: '' };
      });
  }

  function fillSettings(b) {
    $('cc-name').value = b.name || '';
    $('cc-announcement').value = b.announcement || '';
    $('cc-origins').value = (b.origins || []).join('\n');
    $('cc-hours').value = hoursText(b.hours);
    $('cc-hold').value = b.hold_prompt || '';
    Object.entries(NUMS).forEach(([k, id]) => { $(id).value = b[k]; });
    $('cc-billing').value = b.billing_account || '';
    $('cc-biz-state').textContent = b.configured
      ? 'Saved settings.'
      : 'Not set up yet: these are the defaults. Save to start taking ' +
        'calls.';
  }

  async function loadSettings() {
    const r = await cb().api('GET', q('/v1/contact/business'));
    if (r.status !== 200 || !r.data) {
      $('cc-biz-error').textContent =
        cb().errText(r, 'Could not read the settings.');
      return;
    }
    $('cc-biz-error').textContent = '';
    fillSettings(r.data);
    renderOpen(r.data.open_now);
  }

  $('cc-biz-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      name: $('cc-name').value.trim(),
      announcement: $('cc-announcement').value.trim(),
      origins: $('cc-origins').value.split(/\s+/).filter((s) => s),
      hours: hoursParse($('cc-hours').value),
      hold_prompt: $('cc-hold').value.trim(),
      billing_account: $('cc-billing').value.trim(),
    };
    for (const [k, id] of Object.entries(NUMS)) {
      const v = $(id).value.trim();
      if (v === '') continue;
      if (!/^\d+$/.test(v)) {
        $('cc-biz-error').textContent = 'A whole number, please.';
        $(id).focus();
        return;
      }
      body[k] = Number(v);
    }
    if (!body.name) delete body.name;
    $('cc-biz-submit').disabled = true;
    $('cc-biz-error').textContent = '';
    try {
      const r = await cb().api('PUT', q('/v1/contact/business'), body);
      if (r.status !== 200 || !r.data) {
        $('cc-biz-error').textContent =
          cb().errText(r, 'Could not save (' + r.status + ').');
        return;
      }
      fillSettings(r.data);
      renderOpen(r.data.open_now);
    } finally {
      $('cc-biz-submit').disabled = false;
    }
  });

  function renderOpen(open) {
    const p = $('cc-open');
    p.className = 'pill s-' + (open ? 'answered' : 'ended');
    p.textContent = open ? 'Open now' : 'Closed now';
  }

  /* ---- agents ------------------------------------------------------ */

  function skillsText(skills) {
    return Object.entries(skills || {}).map(([k, v]) => k + ':' + v)
      .join(', ');
  }

  /* "cruises:7, flights:3" -> {cruises: 7, flights: 3}, or a message */
  function skillsParse(text) {
    const out = {};
    for (const part of text.split(',').map((s) => s.trim())
      .filter((s) => s)) {
      const m = /^([a-z0-9_-]{1,31})\s*:\s*([1-9])$/.exec(part);
      if (!m) return 'Skills as name:level, level 1 to 9 (at "' + part +
        '").';
      out[m[1]] = Number(m[2]);
    }
    return out;
  }

  function agentRow(a, live) {
    const c = cb();
    const tr = c.el('tr');
    tr.dataset.agentId = a.id;
    tr.appendChild(c.el('td', 'strong', a.name));
    const s = c.el('td');
    s.appendChild(statusPill(live && live.status));
    tr.appendChild(s);
    tr.appendChild(c.el('td', 'opt mono', a.endpoint));
    tr.appendChild(c.el('td', '', skillsText(a.skills) || '—'));
    const act = c.el('td', 'actions');
    const ed = c.el('button', 'btn btn-ghost btn-small', 'Edit');
    ed.type = 'button';
    ed.setAttribute('aria-label', 'Edit agent ' + a.name);
    ed.addEventListener('click', () => editAgent(a));
    const rm = c.el('button', 'btn btn-danger btn-small', 'Remove');
    rm.type = 'button';
    rm.setAttribute('aria-label', 'Remove agent ' + a.name);
    rm.addEventListener('click', () => removeAgent(a, rm));
    act.append(ed, rm);
    tr.appendChild(act);
    return tr;
  }

  /* live status by agent id, from GET /v1/contact/status */
  function liveAgents(status) {
    const m = new Map();
    ((status && status.agents) || []).forEach((a) => m.set(a.id, a));
    return m;
  }

  function renderAgents(agents, status) {
    const live = liveAgents(status);
    $('cc-agents-body').replaceChildren(...agents.map((a) =>
      agentRow(a, live.get(a.id) || a.live)));
    $('cc-agent-count').textContent = String(agents.length);
    $('cc-agents-empty').hidden = agents.length > 0;
    $('cc-agents-table').hidden = agents.length === 0;
  }

  function editAgent(a) {
    st.editing = a.id;
    st.editingUser = a.user_id || '';
    $('cc-agent-form-title').textContent = 'Edit ' + a.name;
    $('cc-agent-submit').textContent = 'Save agent';
    $('cc-agent-cancel').hidden = false;
    $('cc-ag-name').value = a.name;
    $('cc-ag-endpoint').value = a.endpoint;
    $('cc-ag-skills').value = skillsText(a.skills);
    $('cc-ag-login').value = a.user_id || '';
    $('cc-agent-error').textContent = '';
    $('cc-ag-name').focus();
  }

  function resetAgentForm() {
    st.editing = null;
    $('cc-agent-form').reset();
    $('cc-agent-form-title').textContent = 'Add an agent';
    $('cc-agent-submit').textContent = 'Add agent';
    $('cc-agent-cancel').hidden = true;
    $('cc-agent-error').textContent = '';
  }

  $('cc-agent-cancel').addEventListener('click', resetAgentForm);

  $('cc-agent-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('cc-ag-name').value.trim();
    const endpoint = $('cc-ag-endpoint').value.trim();
    const skills = skillsParse($('cc-ag-skills').value);
    const login = $('cc-ag-login').value.trim();
    const err = $('cc-agent-error');
    if (!name || !endpoint) {
      err.textContent = 'Give the agent a name and a phone or softphone.';
      (name ? $('cc-ag-endpoint') : $('cc-ag-name')).focus();
      return;
    }
    if (typeof skills === 'string') {
      err.textContent = skills;
      $('cc-ag-skills').focus();
      return;
    }
    const body = { name, endpoint, skills };
    /* editing, the field shows the user id: unchanged, nothing to do */
    if (st.editing && login === st.editingUser) { /* keep */ }
    else if (login) body.login = login;
    else if (st.editing) body.user_id = '';
    $('cc-agent-submit').disabled = true;
    err.textContent = '';
    try {
      const r = st.editing
        ? await cb().api('PATCH', q('/v1/contact/agents/' +
                         encodeURIComponent(st.editing)), body)
        : await cb().api('POST', q('/v1/contact/agents'), body);
      if (r.status !== 200 && r.status !== 201) {
        err.textContent = cb().errText(r, 'Could not save the agent (' +
                                       r.status + ').');
        return;
      }
      resetAgentForm();
      refresh();
    } finally {
      $('cc-agent-submit').disabled = false;
    }
  });

  async function removeAgent(a, btn) {
    const ok = await cb().confirmDialog('Remove this agent?',
      a.name + ' (' + a.endpoint + ') gets no more customer calls.',
      'Remove agent');
    if (!ok) return;
    btn.disabled = true;
    const r = await cb().api('DELETE', q('/v1/contact/agents/' +
                             encodeURIComponent(a.id)));
    if (r.status !== 200)
      $('cc-agent-error').textContent =
        cb().errText(r, 'Could not remove the agent.');
    if (st.editing === a.id) resetAgentForm();
    refresh();
  }

  /* ---- live queue -------------------------------------------------- */

  function waiting(status) {
    if (!status) return [];
    const qu = status.queue;
    return status.waiting || status.requests ||
      (qu && (qu.waiting || qu.requests)) || [];
  }

  function renderQueue(status) {
    const c = cb();
    const list = waiting(status);
    const qu = status && status.queue;
    const len = status && (status.queue_length !== undefined
      ? status.queue_length
      : (qu && qu.length !== undefined ? qu.length : list.length));
    $('cc-queue-len').textContent = String(len || 0);
    $('cc-queue-body').replaceChildren(...list.map((w) => {
      const tr = c.el('tr');
      tr.appendChild(c.el('td', 'mono', w.customer_name || w.customer ||
                          w.id));
      const s = c.el('td');
      s.appendChild(statusPill(w.status));
      tr.appendChild(s);
      tr.appendChild(c.el('td', '', w.position ? String(w.position) : '—'));
      tr.appendChild(c.el('td', 'opt', w.skill || '—'));
      tr.appendChild(c.el('td', '', fmtWait(w.wait_ms !== undefined
        ? w.wait_ms : w.waited_ms)));
      return tr;
    }));
    $('cc-queue-empty').hidden = list.length > 0;
    $('cc-queue-table').hidden = list.length === 0;
  }

  async function refresh() {
    if (st.busy) return;
    st.busy = true;
    try {
      const [s, a] = await Promise.all([
        cb().api('GET', q('/v1/contact/status')),
        cb().api('GET', q('/v1/contact/agents'))]);
      const status = s.status === 200 ? s.data : null;
      renderQueue(status);
      if (status && status.open_now !== undefined)
        renderOpen(status.open_now);
      if (a.status === 200 && a.data) renderAgents(a.data.agents, status);
    } finally {
      st.busy = false;
    }
  }

  async function loadTenants() {
    if (st.tenants || !cb().isAdmin()) return;
    const r = await cb().api('GET', '/v1/tenants');
    if (r.status !== 200 || !r.data) return;
    st.tenants = true;
    const sel = $('cc-tenant');
    const own = (cb().me() || {}).tenant_id;
    sel.replaceChildren(...r.data.tenants.map((t) => {
      const o = cb().el('option', '', t.name);
      o.value = t.id;
      return o;
    }));
    sel.value = own || '';
  }

  $('cc-tenant').addEventListener('change', () => {
    resetAgentForm();
    loadSettings();
    refresh();
  });

  window.cbContact = {
    async show(first) {
      if (first) {
        await loadTenants();
        resetAgentForm();
        loadSettings();
      }
      refresh();
      if (!st.timer) st.timer = setInterval(refresh, REFRESH_MS);
    },
    hide() {
      if (st.timer) clearInterval(st.timer);
      st.timer = 0;
      st.tenants = false;
    },
  };
})();
