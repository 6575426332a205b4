// webhook inspector: a live list of what `webhook listen` received.
// Everything taken from a request is put in the page with textContent,
// never as HTML.
'use strict';

const API = '/_webhook/api';
const FILTERS = [
  ['filter-path', 'path'],
  ['filter-type', 'type'],
  ['filter-verdict', 'verdict'],
  ['filter-status', 'status'],
  ['filter-q', 'q'],
];
const DEDUPE = { new: 'first', duplicate: 'replayed', 'in-progress': 'in progress' };

const state = {
  info: null,
  rows: new Map(),
  selected: null,
  detail: null,
  raw: false,
  events: null,
  generation: 0,
};

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function api(path, options) {
  const response = await fetch(API + path, options);
  let json;
  try {
    json = await response.json();
  } catch (_) {
    json = { error: 'bad_response', message: response.status + ' ' + response.statusText };
  }
  return { ok: response.ok, status: response.status, json };
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [id, name] of FILTERS) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

function verdictText(s) {
  switch (s.verdict) {
    case 'ok': return 'ok';
    case 'invalid': return 'invalid: ' + ((s.verification && s.verification.error) || '?');
    case 'refused': return 'refused: ' + s.refused;
    default: return '—';
  }
}

function forwardStatus(f) {
  return f.status === null ? 'failed' : String(f.status);
}

function forwardText(s) {
  if (s.forwards.length) return s.forwards.map(forwardStatus).join(', ');
  return s.no_route_matched ? 'no route matched' : '—';
}

function timeText(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  return pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds()) +
    '.' + pad(date.getMilliseconds(), 3);
}

function renderRow(s) {
  const tr = el('tr');
  tr.dataset.id = String(s.id);
  tr.classList.add('verdict-' + s.verdict);
  if (state.selected === s.id) tr.classList.add('selected');
  const path = el('td', s.path, 'path');
  if (s.source === 'forward_replay') path.append(el('span', 'sent to the forward targets', 'tag'));
  if (s.replay_of !== null) path.append(el('span', 'replay of #' + s.replay_of, 'tag replay-of'));
  if (s.replays.length) path.append(el('span', 'replayed ×' + s.replays.length, 'tag'));
  if (s.body_truncated) path.append(el('span', 'body truncated', 'tag'));
  tr.append(
    el('td', '#' + s.id, 'id'),
    el('td', timeText(s.received_at), 'time'),
    el('td', s.method, 'method'),
    path,
    titled(el('td', s.event_id || '—', 'event')),
    titled(el('td', s.event_type || '—', 'type')),
    titled(el('td', verdictText(s), 'verdict')),
    el('td', DEDUPE[s.dedupe] || '—', 'dedupe'),
    el('td', s.status === null ? 'no answer' : s.status, 'status'),
    el('td', s.latency_ms.toFixed(1) + ' ms', 'latency'),
    el('td', forwardText(s), 'forward'),
  );
  tr.addEventListener('click', () => select(s.id));
  return tr;
}

// Cells cut with an ellipsis show their whole text on hover.
function titled(cell) {
  cell.title = cell.textContent;
  return cell;
}

function upsert(s) {
  state.rows.set(s.id, s);
  const rows = $('rows');
  const fresh = renderRow(s);
  const old = rows.querySelector('tr[data-id="' + s.id + '"]');
  if (old) {
    old.replaceWith(fresh);
  } else {
    // Newest first: before the first row with a smaller id.
    let before = null;
    for (const tr of rows.children) {
      if (Number(tr.dataset.id) < s.id) { before = tr; break; }
    }
    rows.insertBefore(fresh, before);
  }
  const limit = state.info ? state.info.history : 1000;
  while (rows.children.length > limit) forget(Number(rows.lastElementChild.dataset.id));
  $('empty').hidden = rows.children.length > 0;
  if (state.selected === s.id && state.detail) {
    state.detail = Object.assign(state.detail, { replays: s.replays });
    renderLinks(state.detail);
  }
}

function forget(id) {
  state.rows.delete(id);
  const tr = $('rows').querySelector('tr[data-id="' + id + '"]');
  if (tr) tr.remove();
  $('empty').hidden = $('rows').children.length > 0;
}

async function reload() {
  const generation = ++state.generation;
  const query = filterQuery();
  if (state.events) state.events.close();
  $('rows').replaceChildren();
  state.rows.clear();
  // Subscribe first, then load the list: an entry that arrives in between
  // comes from either, and upsert keeps one row per id.
  const events = new EventSource(API + '/events' + query);
  state.events = events;
  events.addEventListener('open', () => connection(true));
  events.addEventListener('error', () => connection(false));
  events.addEventListener('entry', (e) => upsert(JSON.parse(e.data)));
  events.addEventListener('evicted', (e) => {
    const id = JSON.parse(e.data).id;
    forget(id);
    if (state.selected === id) $('action-result').textContent = 'This request was evicted from the history.';
  });
  events.addEventListener('reset', () => reload());
  const list = await api('/requests' + query);
  if (generation !== state.generation) return;
  if (!list.ok) {
    $('empty').textContent = 'Could not load the list: ' + list.json.message;
    return;
  }
  for (const s of list.json.requests) upsert(s);
  $('empty').hidden = $('rows').children.length > 0;
}

function connection(live) {
  const node = $('connection');
  node.textContent = live ? 'live' : 'reconnecting…';
  node.classList.toggle('live', live);
}

async function select(id) {
  state.selected = id;
  for (const tr of $('rows').children) tr.classList.toggle('selected', Number(tr.dataset.id) === id);
  $('editor').hidden = true;
  $('action-result').textContent = '';
  const detail = await api('/requests/' + id);
  if (state.selected !== id) return;
  $('detail').hidden = false;
  if (!detail.ok) {
    state.detail = null;
    $('detail-title').textContent = '#' + id;
    $('action-result').textContent = detail.json.message;
    return;
  }
  state.detail = detail.json;
  renderDetail(detail.json);
}

function headersTable(table, headers) {
  table.replaceChildren();
  for (const h of headers) {
    const value = el('td', h.value);
    if (h.binary) value.append(el('span', h.marker || 'not UTF-8: bytes escaped as \\xNN', 'marker tag'));
    const tr = el('tr');
    tr.append(el('td', h.name), value);
    table.append(tr);
  }
}

function bodyText(body, raw) {
  if (body.text === null) return body.hex;
  if (body.json && !raw) return body.pretty;
  return body.text;
}

function bodyKind(body) {
  if (body.text === null) return 'binary, hex';
  return body.json ? 'JSON' : 'text';
}

function renderBody(d) {
  const body = d.request.body;
  $('detail-body').textContent = bodyText(body, state.raw);
  $('body-toggle').hidden = !body.json;
  $('body-toggle').textContent = state.raw ? 'pretty' : 'raw';
  $('detail-body-meta').textContent = body.size + ' bytes, ' + bodyKind(body);
  const cut = $('detail-body-truncated');
  cut.hidden = !body.truncated;
  cut.textContent = body.truncated
    ? 'Truncated: showing the first ' + body.kept + ' of ' + body.size + ' bytes (the capture file keeps all of it).'
    : '';
}

function renderLinks(d) {
  const links = $('detail-links');
  links.replaceChildren();
  if (d.replay_of !== null) {
    links.append('Replay of ');
    links.append(linkTo(d.replay_of));
    links.append('. ');
  }
  if (d.replays.length) {
    links.append('Replays: ');
    d.replays.forEach((id, i) => {
      if (i) links.append(', ');
      links.append(linkTo(id));
    });
  }
}

function linkTo(id) {
  const button = el('button', '#' + id, 'linkish');
  button.type = 'button';
  button.addEventListener('click', () => select(id));
  return button;
}

function renderDetail(d) {
  $('detail-title').textContent = '#' + d.id + ' ' + d.method + ' ' + d.path;
  renderLinks(d);
  $('detail-request-line').textContent = d.source === 'forward_replay'
    ? d.method + ' ' + d.path + '  (sent through the --forward-to routes)'
    : d.method + ' ' + d.path + ' HTTP/1.1';
  headersTable($('detail-headers'), d.request.headers);
  renderBody(d);

  const verification = $('detail-verification');
  verification.replaceChildren();
  if (d.refused) {
    verification.append(el('span', 'refused: ' + d.refused, 'bad'));
  } else if (d.verification) {
    verification.append(d.verification.ok
      ? el('span', 'ok (' + d.verification.scheme + ')', 'ok')
      : el('span', 'invalid (' + d.verification.scheme + '): ' + d.verification.error, 'bad'));
  } else if (d.source === 'forward_replay') {
    verification.textContent = 'not checked: sent straight to the forward targets';
  } else {
    verification.textContent = 'not verified (listen without --verify)';
  }

  const response = d.response;
  $('detail-response-line').textContent = response.status === null
    ? 'no answer: ' + (d.error || '?')
    : 'HTTP/1.1 ' + response.status;
  headersTable($('detail-response-headers'), response.headers);
  $('detail-response-body').textContent = bodyText(response.body, true);

  const forwards = $('detail-forwards');
  forwards.replaceChildren();
  for (const f of d.forwards) forwards.append(renderForward(f));
  if (!d.forwards.length) {
    forwards.textContent = d.no_route_matched ? 'not forwarded: no route matched' : 'not forwarded';
  }
  renderActions(d);
}

// One target's answer: a ForwardLog (headers and body as the capture
// format stores them: text, or {"b64": …}).
function renderForward(f) {
  const block = el('div', null, 'forward');
  const line = f.status === null
    ? '→ ' + f.target + ': failed: ' + f.error
    : '→ ' + f.target + ': ' + f.status + ' (' + f.latency_ms.toFixed(1) + ' ms)';
  block.append(el('pre', line, 'line'));
  const table = el('table', null, 'headers');
  headersTable(table, f.headers.map(([name, value]) => typeof value === 'string'
    ? { name, value, binary: false }
    : { name, value: value.b64, binary: true, marker: 'not UTF-8: shown as base64' }));
  block.append(table);
  if (f.body !== null) {
    const text = typeof f.body === 'string' ? f.body : 'base64: ' + f.body.b64;
    block.append(el('pre', text, 'body'));
    if (f.body_truncated) block.append(el('p', 'Truncated by the listener.', 'marker'));
  }
  return block;
}

function renderActions(d) {
  const info = state.info || {};
  const canResign = Boolean(info.can_resign);
  const truncated = d.request.body.truncated;
  $('replay-resign').disabled = !canResign || truncated;
  $('replay-verbatim').disabled = truncated;
  $('edit-open').disabled = d.request.body.text === null;
  const note = $('resign-note');
  note.hidden = canResign && !truncated;
  note.textContent = truncated
    ? 'The body was truncated in the history, so it can only be replayed edited.'
    : 'Re-signed replay is off: ' + (info.resign_unavailable || '?') + '. Verbatim replay still works.';
  $('edit-send').textContent = canResign ? 'Send re-signed' : 'Send (not re-signed)';
  const routes = info.forward_to || [];
  const forward = $('replay-target').querySelector('option[value="forward"]');
  forward.disabled = routes.length === 0;
  if (!routes.length) $('replay-target').value = 'listener';
  setCommand($('copy-curl'), d.commands.curl, d.commands.curl_unavailable);
  setCommand($('copy-send'), d.commands.send, d.commands.send_unavailable);
  const download = $('download-capture');
  if (d.commands.capture_available) {
    download.href = API + '/requests/' + d.id + '/capture';
    download.setAttribute('download', 'request-' + d.id + '.ndjson');
    download.classList.remove('disabled');
    download.title = '';
  } else {
    download.removeAttribute('href');
    download.classList.add('disabled');
    download.title = d.commands.capture_unavailable || '';
  }
}

function setCommand(button, command, why) {
  button.disabled = !command;
  button.title = command ? '' : (why || '');
  button.dataset.command = command || '';
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const area = el('textarea', text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  $('action-result').textContent = 'Copied.';
}

async function replay(payload) {
  const d = state.detail;
  if (!d) return;
  const result = $('action-result');
  result.textContent = 'Sending…';
  payload.target = $('replay-target').value;
  const answer = await api('/requests/' + d.id + '/replay', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Webhook-Inspector': '1' },
    body: JSON.stringify(payload),
  });
  result.replaceChildren();
  if (!answer.ok) {
    result.append(el('span', 'Replay failed: ' + answer.json.message, 'bad'));
    return;
  }
  const where = answer.json.target === 'forward'
    ? 'the forward targets (' + answer.json.forwards.map((f) => f.target + ' ' + forwardStatus(f)).join(', ') + ')'
    : answer.json.url;
  result.append('Replayed to ' + where + ': ' + answer.json.status);
  if (answer.json.entry !== null && answer.json.entry !== undefined) {
    result.append(', listed as ');
    result.append(linkTo(answer.json.entry));
  }
}

function openEditor() {
  const d = state.detail;
  if (!d) return;
  $('edit-headers').value = d.request.headers.map((h) => h.name + ': ' + h.value).join('\n');
  $('edit-body').value = d.request.body.text;
  $('editor').hidden = false;
}

function editedHeaders() {
  const headers = [];
  for (const line of $('edit-headers').value.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error('not "Name: value": ' + line);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

function sendEdited() {
  let headers;
  try {
    headers = editedHeaders();
  } catch (err) {
    $('action-result').textContent = err.message;
    return;
  }
  const mode = state.info && state.info.can_resign ? 'resign' : 'verbatim';
  $('editor').hidden = true;
  replay({ mode, body: $('edit-body').value, headers });
}

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

async function start() {
  const info = await api('/info');
  if (info.ok) {
    state.info = info.json;
    $('listener').textContent = 'listening on ' + info.json.listener +
      (info.json.forward_to.length ? ' → ' + info.json.forward_to.join(', ') : '');
  }
  const refilter = debounce(reload, 200);
  for (const [id] of FILTERS) {
    $(id).addEventListener('input', refilter);
    $(id).addEventListener('change', refilter);
  }
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('detail-close').addEventListener('click', () => {
    state.selected = null;
    $('detail').hidden = true;
    for (const tr of $('rows').children) tr.classList.remove('selected');
  });
  $('body-toggle').addEventListener('click', () => {
    state.raw = !state.raw;
    if (state.detail) renderBody(state.detail);
  });
  $('replay-resign').addEventListener('click', () => replay({ mode: 'resign' }));
  $('replay-verbatim').addEventListener('click', () => replay({ mode: 'verbatim' }));
  $('edit-open').addEventListener('click', openEditor);
  $('edit-cancel').addEventListener('click', () => { $('editor').hidden = true; });
  $('edit-send').addEventListener('click', sendEdited);
  $('copy-curl').addEventListener('click', (e) => copy(e.currentTarget.dataset.command));
  $('copy-send').addEventListener('click', (e) => copy(e.currentTarget.dataset.command));
  await reload();
}

start();
