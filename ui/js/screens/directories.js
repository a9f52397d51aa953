// Directories: pick a directory, see its campaigns and every member (all pages with progress,
// search, payment-status filter, virtualised), set one member's payment status and see it
// re-read, or many at once (ticked and/or pasted) as a bulk job; export CSV. Below: the
// account's categories and 3rd-level categories.

import * as api from '../api.js';
import { $, h, clear, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { activeAccount, subscribe } from '../state.js';
import { formatNumber, formatDateTime } from '../format.js';
import { VirtualTable } from '../virtual-table.js';
import { JobPanel } from '../job-panel.js';

const STATUSES = ['paid', 'unpaid', 'pending', 'none'];
const STATUS_CLASS = { paid: 'status status-sent', unpaid: 'status status-failed', pending: 'status status-unknown', none: 'status' };
const COLUMNS = [
  { key: 'tick', label: 'directories.col.tick' },
  { key: 'name', label: 'directories.col.name' },
  { key: 'email', label: 'directories.col.email' },
  { key: 'payment', label: 'directories.col.payment' },
  { key: 'lastSeen', label: 'directories.col.lastSeen' },
  { key: 'id', label: 'directories.col.id' },
];
const JOB_COLUMNS = [
  { key: 'row', label: 'bulk.col.row', cls: 'num' },
  { key: 'user', label: 'directories.col.id' },
  { key: 'email', label: 'directories.col.email' },
  { key: 'status', label: 'bulk.col.status', words: 'directories.rowStatus' },
  { key: 'message', label: 'bulk.col.message' },
];

let directoriesFor = null;
let directories = [];
let members = [];
let shown = [];
let total = null;
let ticked = new Set();
let selected = null;
let loadToken = 0;
let table = null;
let jobPanel = null;
let categoriesFor = null;
let focusedId = null; // the member row that has keyboard focus, kept across redraws
const haystacks = new Map();

export function init() {
  table = new VirtualTable({
    viewport: $('#directories-members'),
    tbody: $('#directories-members tbody'),
    columns: COLUMNS.length,
    fetchPage: async (offset, limit) => ({ total: shown.length, rows: shown.slice(offset, offset + limit) }),
    renderRow,
    renderPlaceholder: () => h('tr', { class: 'loading' }, h('td', { colspan: COLUMNS.length }, '')),
  });
  jobPanel = new JobPanel({ prefix: 'directories-payment', root: 'directories-payment-job', summary: jobSummary, onSettled: () => loadMembers(), stateWords: 'links.jobState' });
  jobPanel.setColumns(JOB_COLUMNS);
  renderHead();

  $('#directories-directory').addEventListener('change', () => openDirectory());
  $('#directories-reload').addEventListener('click', () => refreshDirectories());
  $('#directories-search').addEventListener('input', applyFilter);
  $('#directories-filter').addEventListener('change', applyFilter);
  $('#directories-cancel').addEventListener('click', () => api.cancelDirectoryMembers().catch(() => {}));
  $('#directories-members').addEventListener('click', (e) => {
    const box = e.target.closest('input[data-tick]');
    if (box) {
      tick(box.dataset.tick, box.checked);
      return;
    }
    const tr = e.target.closest('tr[data-member]');
    if (tr) openMember(tr.dataset.member);
  });
  // The table redraws its rows as it scrolls; the row a keyboard user is on gets focus back.
  $('#directories-members').addEventListener('focusin', (e) => {
    const tr = e.target.closest('tr[data-member]');
    focusedId = tr && e.target === tr ? tr.dataset.member : null;
  });
  $('#directories-members').addEventListener('focusout', (e) => {
    if (e.relatedTarget) focusedId = null;
  });
  $('#directories-members').addEventListener('keydown', (e) => {
    if (e.target.matches('input[data-tick]')) return;
    const tr = e.target.closest('tr[data-member]');
    if (tr && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openMember(tr.dataset.member);
    }
  });
  $('#directories-tick-shown').addEventListener('click', () => {
    for (const m of shown) ticked.add(m.id);
    renderTicked();
  });
  $('#directories-untick').addEventListener('click', () => {
    ticked.clear();
    renderTicked();
  });
  for (const form of ['#directories-member', '#directories-bulk-form']) clearFieldErrorsOnInput($(form));
  $('#directories-member').addEventListener('submit', (e) => {
    e.preventDefault();
    savePayment();
  });
  $('#directories-bulk-toggle').addEventListener('click', () => {
    const form = $('#directories-bulk-form');
    form.hidden = !form.hidden;
    renderTicked();
    if (!form.hidden) $('#directories-bulk-title').focus();
  });
  $('#directories-bulk-form').addEventListener('submit', (e) => {
    e.preventDefault();
    startJob();
  });
  $('#directories-export').addEventListener('click', (e) => exportMembers(e.currentTarget));
  $('#directories-categories-reload').addEventListener('click', () => loadCategories());
  subscribe(() => {
    if (directoriesFor !== null && directoriesFor !== accountId()) {
      directoriesFor = null;
      categoriesFor = null;
      members = [];
      ticked.clear();
      applyFilter();
      closeMember();
    }
  });
  onLanguageChange(() => {
    renderHead();
    renderDetails();
    renderCount();
    renderTicked();
    table.schedule(true);
    if (selected) renderMember(selected);
  });
}

export function show() {
  if (directoriesFor !== accountId()) refreshDirectories();
  if (categoriesFor !== accountId()) loadCategories();
  offerResume();
}

let offered = false;

/** A job interrupted by a crash or a close is offered here, paused, for Resume. */
async function offerResume() {
  if (offered || jobPanel.job) return;
  offered = true;
  try {
    const [job] = await api.unfinishedJobs('directory_payment');
    if (!job) return;
    jobPanel.attach(job.jobId, { state: 'paused' });
    jobPanel.onProgress({
      jobId: job.jobId,
      state: 'paused',
      total: job.total,
      remaining: job.total - job.done,
      sent: 0,
      skipped: 0,
      failed: 0,
      unknown: 0,
      pauseReason: job.pauseReason || { message: t('links.job.interrupted'), hint: t('links.job.interruptedHint') },
    });
  } catch {
    // Nothing to offer; the screen works without it.
  }
}

function accountId() {
  const account = activeAccount();
  return account ? account.id : '';
}

function directory() {
  return $('#directories-directory').value;
}

function directoryInfo() {
  return directories.find((d) => d.id === directory()) || null;
}

function statusWord(status) {
  return STATUSES.includes(status) ? t(`directories.payment.${status}`) : status;
}

function fullName(m) {
  return `${m.firstName} ${m.lastName}`.trim();
}

// ------------------------------------------------------------------ directories

async function refreshDirectories() {
  const select = $('#directories-directory');
  const errorArea = $('#directories-error');
  clearError(errorArea);
  select.disabled = true;
  try {
    directories = await api.listDirectories();
    directoriesFor = accountId();
    const keep = select.value;
    clear(select);
    for (const d of directories) select.append(h('option', { value: d.id }, `${d.name} (${d.id})`));
    if (directories.some((d) => d.id === keep)) select.value = keep;
    if (!directories.length) $('#directories-details').textContent = t('directories.none');
    else await openDirectory();
  } catch (err) {
    showError(errorArea, err, { retry: refreshDirectories });
  } finally {
    select.disabled = false;
  }
}

function renderDetails() {
  const info = directoryInfo();
  if (!info) return;
  $('#directories-details').textContent = t('directories.details', {
    members: info.amountOfUsers === null || info.amountOfUsers === undefined ? '—' : formatNumber(info.amountOfUsers),
    status: info.status || '—',
    url: info.url || '—',
  });
}

async function openDirectory() {
  if (!directory()) return;
  ticked.clear();
  renderDetails();
  loadCampaigns();
  await loadMembers();
}

async function loadCampaigns() {
  const list = $('#directories-campaigns');
  clear(list);
  const id = directory();
  try {
    const details = await api.directoryDetails(id);
    if (id !== directory()) return;
    const at = directories.findIndex((d) => d.id === id);
    if (at >= 0) directories[at] = details.directory;
    renderDetails();
    clear(list);
    for (const c of details.campaigns) list.append(h('li', null, `${c.name || c.id} (${c.id})`));
    if (!details.campaigns.length) list.append(h('li', { class: 'muted' }, t('directories.noCampaigns')));
  } catch (err) {
    showError($('#directories-error'), err);
  }
}

// ------------------------------------------------------------------ members

async function loadMembers() {
  if (!directory()) return;
  const token = ++loadToken;
  const errorArea = $('#directories-members-error');
  clearError(errorArea);
  closeMember();
  members = [];
  total = null;
  haystacks.clear();
  applyFilter();
  const bar = $('#directories-load-progress');
  $('#directories-loading').hidden = false;
  bar.value = 0;
  $('#directories-load-text').textContent = '';
  try {
    const channel = api.progressChannel((p) => {
      if (token !== loadToken || !p) return;
      const expected = Number(p.total) || 0;
      bar.max = Math.max(1, expected, Number(p.loaded) || 0);
      bar.value = Number(p.loaded) || 0;
      $('#directories-load-text').textContent = expected
        ? t('directories.loading', { loaded: formatNumber(p.loaded), total: formatNumber(expected) })
        : formatNumber(p.loaded);
    });
    const answer = await api.directoryMembers(directory(), channel);
    if (token !== loadToken) return;
    members = Array.isArray(answer.members) ? answer.members : [];
    total = answer.total ?? null;
    $('#directories-members').dataset.cancelled = answer.cancelled ? 'true' : 'false';
    applyFilter();
    // End-to-end tests read the count of members the window holds.
    document.body.dataset.directoryMembers = String(members.length);
  } catch (err) {
    if (token === loadToken) showError(errorArea, err, { retry: loadMembers });
  } finally {
    if (token === loadToken) $('#directories-loading').hidden = true;
  }
}

function haystack(m) {
  let text = haystacks.get(m);
  if (text === undefined) {
    text = `${m.firstName} ${m.lastName} ${m.email} ${m.phone} ${m.id}`.toLowerCase();
    haystacks.set(m, text);
  }
  return text;
}

function applyFilter() {
  const words = $('#directories-search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const status = $('#directories-filter').value;
  shown = members.filter((m) => (status === 'all' || m.paymentStatus === status) && words.every((w) => haystack(m).includes(w)));
  table.reset(shown.length);
  renderCount();
}

function renderCount() {
  const el = $('#directories-count');
  el.dataset.shown = String(shown.length);
  el.dataset.total = String(members.length);
  if (!members.length) {
    el.textContent = '';
    return;
  }
  const cancelled = $('#directories-members').dataset.cancelled === 'true';
  el.textContent = t(cancelled ? 'directories.countPartial' : 'directories.count', {
    shown: formatNumber(shown.length),
    total: formatNumber(members.length),
    ticked: formatNumber(ticked.size),
  });
}

function renderHead() {
  const head = $('#directories-members-head');
  clear(head);
  for (const column of COLUMNS) {
    const label = t(column.label);
    head.append(h('th', { scope: 'col' }, column.key === 'tick' ? h('span', { class: 'visually-hidden' }, label) : label));
  }
}

function renderRow(m) {
  const name = fullName(m) || m.email || m.id;
  const box = h('input', { type: 'checkbox', dataset: { tick: m.id }, 'aria-label': t('directories.tickOne', { name }) });
  box.checked = ticked.has(m.id);
  const cells = [
    h('td', null, box),
    h('td', { title: name }, name),
    h('td', { title: m.email || null }, m.email),
    // Not by colour alone: the word is always there.
    h('td', null, h('span', { class: STATUS_CLASS[m.paymentStatus] || 'status' }, statusWord(m.paymentStatus))),
    h('td', { title: m.lastSeen ? formatDateTime(m.lastSeen) : null }, m.lastSeen ? formatDateTime(m.lastSeen) : '—'),
    h('td', null, m.id),
  ];
  const classes = selected && selected.id === m.id ? 'selected' : null;
  const tr = h('tr', { tabindex: '0', class: classes, dataset: { member: m.id, payment: m.paymentStatus } }, cells);
  if (m.id === focusedId) {
    queueMicrotask(() => {
      const active = document.activeElement;
      if (tr.isConnected && (!active || active === document.body)) tr.focus({ preventScroll: true });
    });
  }
  return tr;
}

function tick(id, on) {
  if (on) ticked.add(id);
  else ticked.delete(id);
  renderTicked(false);
}

function renderTicked(redraw = true) {
  $('#directories-bulk-ticked').textContent = t('directories.tickedCount', { n: formatNumber(ticked.size) });
  renderCount();
  if (redraw) table.schedule(true);
}

// ------------------------------------------------------------------ one member

function openMember(id) {
  const m = members.find((x) => x.id === id);
  if (!m) return;
  renderMember(m);
  $('#directories-member').hidden = false;
  $('#directories-member-result').textContent = '';
  clearError($('#directories-member-error'));
  $('#directories-member-title').focus();
  table.schedule(true);
}

function closeMember() {
  selected = null;
  $('#directories-member').hidden = true;
}

function renderMember(m) {
  selected = m;
  $('#directories-member-title').textContent = fullName(m) || m.email || m.id;
  const state = $('#directories-member-state');
  state.textContent = t('directories.memberStatus', { status: statusWord(m.paymentStatus) });
  state.dataset.payment = m.paymentStatus;
  $('#directories-member-facts').textContent = t('directories.memberFacts', {
    id: m.id,
    email: m.email || '—',
    phone: m.phone || '—',
    logins: formatNumber(m.logins),
    lastSeen: m.lastSeen ? formatDateTime(m.lastSeen) : '—',
    confirmation: [m.confirmationId, m.confirmationAccount].filter(Boolean).join(' · ') || '—',
  });
  $('#directories-member-status').value = STATUSES.includes(m.paymentStatus) ? m.paymentStatus : 'paid';
  $('#directories-member-confirmation-id').value = m.confirmationId || '';
  $('#directories-member-confirmation-account').value = m.confirmationAccount || '';
}

function savePayment() {
  if (!selected) return;
  const errorArea = $('#directories-member-error');
  clearError(errorArea);
  clearFieldErrors($('#directories-member'));
  $('#directories-member-result').textContent = '';
  const member = selected;
  withBusy($('#directories-member-save'), async () => {
    try {
      const answer = await api.setMemberPayment(directory(), member.id, {
        status: $('#directories-member-status').value,
        confirmationId: $('#directories-member-confirmation-id').value,
        confirmationAccount: $('#directories-member-confirmation-account').value,
      });
      const fresh = answer.member;
      const at = members.findIndex((x) => x.id === fresh.id);
      if (at >= 0) {
        haystacks.delete(members[at]);
        members[at] = fresh;
      }
      applyFilter();
      renderMember(fresh);
      const said = t(answer.confirmedAfterLoss ? 'directories.savedAfterLoss' : 'directories.saved', { status: statusWord(fresh.paymentStatus) });
      // Saved, but the member could not be read again: say so, so nobody saves it twice.
      $('#directories-member-result').textContent = answer.refreshFailed && answer.refreshNote ? `${said} ${answer.refreshNote}` : said;
    } catch (err) {
      showProblem(err, {
        fields: { paymentStatus: 'directories-member-status', confirmationId: 'directories-member-confirmation-id', confirmationAccount: 'directories-member-confirmation-account' },
        box: errorArea,
      });
    }
  });
}

// ------------------------------------------------------------------ many members

function startJob() {
  const errorArea = $('#directories-bulk-error');
  clearError(errorArea);
  clearFieldErrors($('#directories-bulk-form'));
  const info = directoryInfo();
  withBusy($('#directories-bulk-start'), async () => {
    try {
      const channel = jobPanel.channel();
      const started = await api.startPaymentJob({
        directory: directory(),
        directoryName: info ? info.name : '',
        selection: Array.from(ticked),
        pasted: $('#directories-bulk-pasted').value,
        payment: {
          status: $('#directories-bulk-status').value,
          confirmationId: $('#directories-bulk-confirmation-id').value,
          confirmationAccount: $('#directories-bulk-confirmation-account').value,
        },
      }, channel);
      jobPanel.started(started.jobId);
      ticked.clear();
      renderTicked();
    } catch (err) {
      jobPanel.expecting = false;
      showProblem(err, {
        fields: { pasted: 'directories-bulk-pasted', paymentStatus: 'directories-bulk-status', confirmationId: 'directories-bulk-confirmation-id', confirmationAccount: 'directories-bulk-confirmation-account' },
        box: errorArea,
      });
    }
  });
}

function jobSummary(message) {
  const n = (v) => formatNumber(Number(v) || 0);
  return t('directories.jobProgress', { set: n(message.sent), skipped: n(message.skipped), failed: n(message.failed), unknown: n(message.unknown), remaining: n(message.remaining) });
}

function exportMembers(button) {
  withBusy(button, async () => {
    const errorArea = $('#directories-members-error');
    clearError(errorArea);
    try {
      const saved = await api.exportDirectoryMembers(directory(), $('#directories-filter').value);
      $('#directories-export-path').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError(errorArea, err);
    }
  });
}

// ------------------------------------------------------------------ categories

async function loadCategories() {
  const errorArea = $('#directories-categories-error');
  clearError(errorArea);
  const list = $('#directories-categories');
  const main = $('#directories-main');
  try {
    const lists = await api.categoryLists();
    categoriesFor = accountId();
    clear(list);
    clear(main);
    for (const c of lists.categories) list.append(h('li', null, `${c.name} (${c.id})`));
    if (!lists.categories.length) list.append(h('li', { class: 'muted' }, t('directories.noCategories')));
    for (const c of lists.mainCategories) main.append(h('li', null, `${c.name} (${c.id})`));
    $('#directories-no-main').hidden = lists.usesThirdLevel;
    main.hidden = !lists.usesThirdLevel;
  } catch (err) {
    showError(errorArea, err, { retry: loadCategories });
  }
}
