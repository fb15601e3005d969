// The sandbox page. Message bodies arrive as HTML rendered (and escaped) by the server's Block
// Kit renderer (src/sandbox/web/render.ts); everything else is written with textContent.
// Clicks and slash commands go to the sandbox server, which signs them like Slack and sends them
// to the bot's /slack/events.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    meta: null,
    channel: '',
    user: '',
    lastItems: '',
    seen: new Map(),
    openThreads: new Set(),
    /** `${ts}|${action_id}` → the values a person ticked (kept across re-renders, as Slack does) */
    checked: new Map(),
    actionsOnly: false,
    /** channel id → message count when last viewed (the badge shows what came since) */
    read: new Map(),
    counts: {},
  };
  const COLORS = ['#e8912d', '#2bac76', '#4a154b', '#1264a3', '#e01e5a'];
  const MUTATING = new Set([
    'StopTask',
    'ArchiveFindings',
    'UnarchiveFindings',
    'UpdateService',
    'TagResource',
    'UntagResource',
    'AssumeRole',
    'CreateSampleFindings',
    'UpdateDetector',
    'UpdateFindingsFeedback',
  ]);

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const nameOf = (id) => state.meta?.directory.users[id] ?? id;
  const clock = (ms) =>
    new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  let toastTimer;
  function toast(text) {
    const t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      t.hidden = true;
    }, 4000);
  }

  async function api(path, body) {
    const res = await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
    return data;
  }

  // ---- sidebar -------------------------------------------------------------------------------

  function renderSidebar(counts = state.counts) {
    const list = $('channels');
    list.replaceChildren(
      ...state.meta.channels.map((c) => {
        const li = el('li');
        const b = el('button');
        b.type = 'button';
        b.dataset.channel = c.id;
        b.className = c.id === state.channel ? 'active' : '';
        b.append(el('span', '', `# ${c.name}`));
        if (c.id === state.channel && counts[c.id] !== undefined) state.read.set(c.id, counts[c.id]);
        const unread = (counts[c.id] ?? 0) - (state.read.get(c.id) ?? 0);
        if (unread > 0) b.append(el('span', 'badge', String(unread)));
        b.addEventListener('click', () => selectChannel(c.id));
        li.append(b);
        return li;
      }),
    );
    const people = $('people');
    people.replaceChildren(
      ...state.meta.people.map((p, i) => {
        const b = el('button', `person${p.id === state.user ? ' active' : ''}`);
        b.type = 'button';
        b.setAttribute('role', 'radio');
        b.setAttribute('aria-checked', String(p.id === state.user));
        b.dataset.user = p.id;
        b.dataset.name = p.name;
        const face = el('span', 'face', p.name.charAt(0).toUpperCase());
        face.style.background = COLORS[i % COLORS.length];
        b.append(face, el('span', 'who', `@${p.name}`), el('span', 'role', `${p.role} · ${p.note}`));
        b.addEventListener('click', () => selectUser(p.id));
        return b;
      }),
    );
    const ch = state.meta.channels.find((c) => c.id === state.channel);
    $('channel-name').textContent = `# ${ch ? ch.name : ''}`;
    $('channel-topic').textContent = ch?.topic ?? '';
    $('viewer').textContent = `viewing as @${nameOf(state.user)}`;
  }

  function selectChannel(id) {
    state.channel = id;
    state.lastItems = '';
    state.seen.clear();
    renderSidebar();
    refreshChannel(true);
  }
  function selectUser(id) {
    state.user = id;
    state.lastItems = '';
    renderSidebar();
    refreshChannel(false);
  }

  // ---- messages --------------------------------------------------------------------------------

  function localiseDates(root) {
    for (const t of root.querySelectorAll('time.sk-date[data-epoch]')) {
      const d = new Date(Number(t.dataset.epoch) * 1000);
      t.textContent = d.toLocaleString([], {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      t.title = d.toISOString();
    }
  }

  function messageNode(item, reply) {
    const node = el('div', `msg${item.ephemeral ? ' ephemeral' : ''}${reply ? ' reply' : ''}`);
    node.dataset.ts = item.ts;
    const sig = `${item.edits}|${item.html}`;
    const before = state.seen.get(item.ts);
    if (before !== undefined && before !== sig) node.classList.add('flash');
    state.seen.set(item.ts, sig);
    const avatar = el('div', 'avatar', '🛡');
    const main = el('div', 'msg-main');
    const head = el('div', 'msg-head');
    head.append(el('span', 'author', 'ecs-guard'), el('span', 'app-tag', 'APP'));
    head.append(el('span', 'msg-time', clock(Number(item.ts) * 1000)));
    if (item.edits > 0) head.append(el('span', 'edited', '(edited)'));
    main.append(head);
    if (item.ephemeral) main.append(el('div', 'only-you', '👁 Only visible to you'));
    const body = el('div', 'msg-body');
    body.innerHTML = item.html; // escaped by the server's renderer
    localiseDates(body);
    restoreChecked(body, item.ts);
    main.append(body);
    if (!reply && item.replies.length) {
      const open = state.openThreads.has(item.ts);
      const toggle = el(
        'button',
        'thread-toggle',
        `${open ? '▾' : '▸'} ${item.replies.length} ${item.replies.length === 1 ? 'reply' : 'replies'}`,
      );
      toggle.type = 'button';
      toggle.dataset.thread = item.ts;
      main.append(toggle);
      if (open) {
        const thread = el('div', 'thread');
        thread.append(...item.replies.map((r) => messageNode(r, true)));
        main.append(thread);
      }
    }
    node.append(avatar, main);
    return node;
  }

  /** Re-ticks what the person changed in this message's checkboxes before the page redrew it. */
  function restoreChecked(body, ts) {
    for (const box of body.querySelectorAll('input[type=checkbox][data-action-id]')) {
      const kept = state.checked.get(`${ts}|${box.dataset.actionId}`);
      if (kept) box.checked = kept.includes(box.value);
    }
  }

  function onCheckboxChange(e) {
    const box = e.target.closest('input[type=checkbox][data-action-id]');
    const msg = box?.closest('.msg');
    if (!box || !msg) return;
    state.checked.set(`${msg.dataset.ts}|${box.dataset.actionId}`, checkedIn(msg, box.dataset.actionId));
  }

  /** action_id → ticked values of the checkboxes in this message (the click's state.values). */
  function checkedIn(msg, only) {
    const out = {};
    const own = [...msg.querySelectorAll('input[type=checkbox][data-action-id]')].filter(
      (b) => b.closest('.msg') === msg,
    );
    for (const b of own) {
      const id = b.dataset.actionId;
      if (only && id !== only) continue;
      out[id] ??= [];
      if (b.checked) out[id].push(b.value);
    }
    return only ? (out[only] ?? []) : out;
  }

  function renderMessages(items) {
    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const scroll = box.scrollTop;
    if (!items.length) {
      box.replaceChildren(
        el('div', 'empty', 'No messages yet: the first findings arrive within a poll or two.'),
      );
      return;
    }
    box.replaceChildren(...items.map((i) => messageNode(i, false)));
    box.scrollTop = atBottom ? box.scrollHeight : scroll;
  }

  let channelTimer;
  async function refreshChannel(force) {
    clearTimeout(channelTimer);
    try {
      const data = await api(
        `/api/channel?channel=${encodeURIComponent(state.channel)}&user=${encodeURIComponent(state.user)}`,
      );
      if (data.channel === state.channel && data.user === state.user) {
        const key = JSON.stringify(data.items) + [...state.openThreads].join();
        if (force || key !== state.lastItems) {
          state.lastItems = key;
          renderMessages(data.items);
        }
        state.counts = data.counts;
        renderSidebar();
      }
    } catch (err) {
      console.warn('refresh failed', err);
    }
    channelTimer = setTimeout(() => refreshChannel(false), 1000);
  }

  // ---- clicks, confirm dialog, commands --------------------------------------------------------

  function confirmDialog(spec) {
    return new Promise((resolve) => {
      const modal = $('modal');
      $('modal-title').textContent = spec.title;
      $('modal-text').textContent = spec.text;
      const yes = $('modal-confirm');
      const no = $('modal-deny');
      yes.textContent = spec.confirm;
      no.textContent = spec.deny;
      yes.className = `sk-btn ${spec.style === 'danger' ? 'sk-btn-danger' : 'sk-btn-primary'}`;
      const done = (v) => {
        modal.hidden = true;
        yes.onclick = null;
        no.onclick = null;
        document.onkeydown = null;
        resolve(v);
      };
      yes.onclick = () => done(true);
      no.onclick = () => done(false);
      document.onkeydown = (e) => {
        if (e.key === 'Escape') done(false);
      };
      modal.hidden = false;
      yes.focus();
    });
  }

  async function onMessagesClick(e) {
    const toggle = e.target.closest('button[data-thread]');
    if (toggle) {
      const ts = toggle.dataset.thread;
      if (state.openThreads.has(ts)) state.openThreads.delete(ts);
      else state.openThreads.add(ts);
      refreshChannel(true);
      return;
    }
    const button = e.target.closest('button[data-action-id]');
    if (!button || button.disabled) return;
    const msg = button.closest('.msg');
    if (!msg) return;
    if (button.dataset.confirm) {
      let spec;
      try {
        spec = JSON.parse(button.dataset.confirm);
      } catch {
        spec = { title: 'Are you sure?', text: '', confirm: 'Yes', deny: 'Cancel' };
      }
      if (!(await confirmDialog(spec))) return;
    }
    button.disabled = true;
    button.classList.add('busy');
    try {
      const res = await api('/api/click', {
        user: state.user,
        channel: state.channel,
        ts: msg.dataset.ts,
        action_id: button.dataset.actionId,
        block_id: button.dataset.blockId,
        checked: checkedIn(msg),
      });
      if (!res.ok) toast(`the bot answered HTTP ${res.status}`);
    } catch (err) {
      toast(err.message);
    } finally {
      button.disabled = false;
      button.classList.remove('busy');
      refreshChannel(false);
      refreshActivity();
    }
  }

  async function onCommand(e) {
    e.preventDefault();
    const input = $('command');
    const text = input.value.trim();
    if (!text) return;
    if (!/^\/ecs-guard(\s|$)/.test(text)) {
      toast('Only /ecs-guard commands here, e.g. /ecs-guard coverage');
      return;
    }
    $('send').disabled = true;
    try {
      const res = await api('/api/command', { user: state.user, channel: state.channel, text });
      if (!res.ok) toast(`the bot answered HTTP ${res.status}`);
      input.value = '';
    } catch (err) {
      toast(err.message);
    } finally {
      $('send').disabled = false;
      refreshChannel(false);
    }
  }

  // ---- AWS calls and audit trail ---------------------------------------------------------------

  function awsRow(c) {
    const failed = Boolean(c.errorCode);
    const li = el('li', `row${MUTATING.has(c.operation) ? ' mutating' : ''}${failed ? ' failed' : ''}`);
    li.dataset.operation = c.operation;
    const top = el('div', 'row-top');
    top.append(el('span', 'row-op', `${c.service}:${c.operation}`));
    top.append(el('span', `pill ${failed ? 'bad' : 'ok'}`, failed ? c.errorCode : String(c.status)));
    top.append(el('span', 'row-time', clock(c.at)));
    li.append(top);
    const sub = [c.accountId, c.region].filter(Boolean).join(' · ');
    const who = c.sourceIdentity ? ` · as @${nameOf(c.sourceIdentity)}` : '';
    li.append(el('div', 'row-sub', `${sub}${who}`));
    if (c.detail) li.append(el('div', 'row-sub', c.detail));
    return li;
  }

  function auditRow(r) {
    const li = el('li', 'row');
    li.dataset.event = r.event;
    const top = el('div', 'row-top');
    top.append(el('span', 'row-op', r.action === r.event ? r.action : `${r.action} ${r.event}`));
    const cls = r.outcome === 'ok' ? 'ok' : r.outcome === 'pending' ? 'pending' : 'bad';
    top.append(el('span', `pill ${cls}`, r.outcome));
    top.append(el('span', 'row-time', clock(Date.parse(r.time))));
    li.append(top);
    const t = r.target || {};
    const task = t.taskArn
      ? t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1, t.taskArn.lastIndexOf('/') + 9)
      : '';
    const target = [t.cluster, task && `task ${task}…`, t.accountId].filter(Boolean).join(' · ');
    const actor = r.actor.id === 'system' ? 'system' : `@${r.actor.name || nameOf(r.actor.id)}`;
    li.append(el('div', 'row-sub', `#${r.seq} ${actor}${target ? ` · ${target}` : ''}`));
    if (r.reason) li.append(el('div', 'row-sub', r.reason));
    const detail = Object.entries(r.detail || {})
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
      .join(' · ');
    if (detail) li.append(el('div', 'row-sub', detail));
    return li;
  }

  // The poller's reads (every few seconds) would bury everything else: a run of them is one row.
  const POLLING = new Set(['ListDetectors', 'ListFindings', 'GetFindings', 'GetCallerIdentity']);
  function pollRow(run) {
    if (run.length === 1) return awsRow(run[0]);
    const li = el('li', 'row polling');
    li.dataset.operation = 'polling';
    const ops = new Map();
    let ids = 0;
    for (const c of run) {
      ops.set(c.operation, (ops.get(c.operation) ?? 0) + 1);
      const m = /^(\d+) finding id/.exec(c.detail);
      if (m) ids += Number(m[1]);
    }
    const failed = run.filter((c) => c.errorCode).length;
    const top = el('div', 'row-top');
    top.append(el('span', 'row-op', `polling · ${run.length} calls`));
    if (failed) top.append(el('span', 'pill bad', `${failed} failed`));
    top.append(el('span', 'row-time', `${clock(run[run.length - 1].at)}–${clock(run[0].at)}`));
    li.append(top);
    const summary = [...ops].map(([op, n]) => `${op} ×${n}`).join(', ');
    const regions = [...new Set(run.map((c) => c.region))].join(', ');
    li.append(el('div', 'row-sub', `${summary} · ${regions}${ids ? ` · ${ids} finding(s) fetched` : ''}`));
    return li;
  }
  function awsRows(calls) {
    const rows = [];
    let run = [];
    const flush = () => {
      if (run.length) rows.push(pollRow(run));
      run = [];
    };
    for (const c of calls) {
      if (POLLING.has(c.operation)) run.push(c);
      else {
        flush();
        rows.push(awsRow(c));
      }
    }
    flush();
    return rows;
  }

  let activityTimer;
  let lastActivity = '';
  async function refreshActivity() {
    clearTimeout(activityTimer);
    try {
      const data = await api('/api/activity');
      const key = `${state.actionsOnly}|${data.awsTotal}|${data.audit.map((r) => r.hash).join()}`;
      if (key !== lastActivity) {
        lastActivity = key;
        const calls = state.actionsOnly ? data.aws.filter((c) => MUTATING.has(c.operation)) : data.aws;
        $('aws-count').textContent = `(${data.awsTotal})`;
        $('aws-calls').replaceChildren(...awsRows(calls));
        $('audit').replaceChildren(...data.audit.map(auditRow));
      }
    } catch (err) {
      console.warn('activity failed', err);
    }
    activityTimer = setTimeout(refreshActivity, 1500);
  }

  // ---- start -----------------------------------------------------------------------------------

  async function start() {
    state.meta = await api('/api/meta');
    const params = new URLSearchParams(location.search);
    state.channel = params.get('channel') || state.meta.channels[0].id;
    state.user = params.get('user') || state.meta.people[0].id;
    const info = $('info');
    for (const [k, v] of Object.entries(state.meta.info)) info.append(el('dt', '', k), el('dd', '', v));
    $('messages').addEventListener('click', onMessagesClick);
    $('messages').addEventListener('change', onCheckboxChange);
    $('composer').addEventListener('submit', onCommand);
    for (const chip of document.querySelectorAll('.chip[data-cmd]')) {
      chip.addEventListener('click', () => {
        $('command').value = chip.dataset.cmd;
        $('command').focus();
      });
    }
    $('aws-actions-only').addEventListener('change', (e) => {
      state.actionsOnly = e.target.checked;
      lastActivity = '';
      refreshActivity();
    });
    renderSidebar();
    refreshChannel(true);
    refreshActivity();
  }

  start().catch((err) => toast(`cannot load the sandbox: ${err.message}`));
})();
