// Loyalty: pick a card, find a member (instant search over every member, sortable, virtualised),
// then edit them, add stamps, use rewards, void or delete; add, import, export and message
// members. Every change is re-read from the server and shown.

import * as api from '../api.js';
import { $, $$, h, clear, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { activeAccount, subscribe } from '../state.js';
import { formatNumber } from '../format.js';
import { VirtualTable } from '../virtual-table.js';
import { JobPanel } from '../job-panel.js';

const COLUMNS = [
  { key: 'name', label: 'loyalty.col.name', value: (m) => `${m.firstName} ${m.lastName}`.trim() },
  { key: 'email', label: 'loyalty.col.email', value: (m) => m.email },
  { key: 'phone', label: 'loyalty.col.phone', value: (m) => m.phone },
  { key: 'stamps', label: 'loyalty.col.stamps', value: (m) => m.stamps, numeric: true },
  { key: 'rewards', label: 'loyalty.col.rewards', value: (m) => availableRewards(m).length, numeric: true },
  { key: 'id', label: 'loyalty.col.id', value: (m) => m.id },
];
const FIELD_NAMES = ['firstName', 'lastName', 'email', 'phone', 'address', 'zip', 'city'];
const FIELD_IDS = { firstName: 'first-name', lastName: 'last-name', email: 'email', phone: 'phone', address: 'address', zip: 'zip', city: 'city' };
const IMPORT_COLUMNS = [
  { key: 'row', label: 'bulk.col.row', cls: 'num' },
  { key: 'email', label: 'loyalty.col.email' },
  { key: 'status', label: 'bulk.col.status', words: 'importStatus' },
  { key: 'message', label: 'bulk.col.message' },
];

let overview = null; // { cards, v3Only }
let cardsFor = null;
let members = []; // every member of the card, as loaded
let shown = []; // after search and sort
let sort = { key: 'name', dir: 1 };
let selected = null; // the member in the panel
let loadToken = 0;
let table = null;
let importPanel = null;

export function init() {
  table = new VirtualTable({
    viewport: $('#loyalty-members'),
    tbody: $('#loyalty-members tbody'),
    columns: COLUMNS.length,
    fetchPage: async (offset, limit) => ({ total: shown.length, rows: shown.slice(offset, offset + limit) }),
    renderRow: renderMemberRow,
    renderPlaceholder: () => h('tr', { class: 'loading' }, h('td', { colspan: COLUMNS.length }, '')),
  });
  importPanel = new JobPanel({ prefix: 'loyalty-import', root: 'loyalty-import-job', summary: importSummary, onSettled: () => loadMembers(), stateWords: 'links.jobState' });
  importPanel.setColumns(IMPORT_COLUMNS);
  renderHead();

  $('#loyalty-card').addEventListener('change', () => loadMembers());
  $('#loyalty-reload').addEventListener('click', () => refreshCards());
  $('#loyalty-include-voided').addEventListener('change', () => loadMembers());
  $('#loyalty-search').addEventListener('input', applyFilter);
  $('#loyalty-copy-form').addEventListener('submit', (e) => {
    e.preventDefault();
    copyCard();
  });
  $('#loyalty-members').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-member]');
    if (tr) openMember(tr.dataset.member);
  });
  $('#loyalty-members').addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr[data-member]');
    if (tr && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openMember(tr.dataset.member);
    }
  });
  for (const form of ['#loyalty-member', '#loyalty-new-form', '#loyalty-push-form', '#loyalty-import-form']) clearFieldErrorsOnInput($(form));
  $('#loyalty-member').addEventListener('submit', (e) => {
    e.preventDefault();
    saveMember();
  });
  $('#loyalty-stamp-amount').addEventListener('input', renderStampTotal);
  $('#loyalty-add-stamps').addEventListener('click', addStamps);
  $('#loyalty-use-rewards').addEventListener('click', useRewards);
  $('#loyalty-void').addEventListener('click', () => showVoidConfirm(true));
  $('#loyalty-void-cancel').addEventListener('click', () => showVoidConfirm(false));
  $('#loyalty-void-confirm').addEventListener('click', voidMember);
  $('#loyalty-delete-name').addEventListener('input', () => {
    $('#loyalty-delete').disabled = !selected || $('#loyalty-delete-name').value.trim().toLowerCase() !== deleteName(selected).toLowerCase();
  });
  $('#loyalty-delete').addEventListener('click', deleteMember);
  $('#loyalty-new').addEventListener('click', () => toggle('#loyalty-new-form', '#loyalty-new-title'));
  $('#loyalty-new-form').addEventListener('submit', (e) => {
    e.preventDefault();
    createMember();
  });
  $('#loyalty-push-toggle').addEventListener('click', () => {
    renderPushTargets();
    toggle('#loyalty-push-form', '#loyalty-push-title');
  });
  $('#loyalty-push-form').addEventListener('submit', (e) => {
    e.preventDefault();
    checkPush();
  });
  for (const radio of $$('input[name="loyalty-push-to"]')) radio.addEventListener('change', () => ($('#loyalty-push-confirm').hidden = true));
  $('#loyalty-push-message').addEventListener('input', () => ($('#loyalty-push-confirm').hidden = true));
  $('#loyalty-push-confirm').addEventListener('click', sendPush);
  $('#loyalty-import-toggle').addEventListener('click', () => toggle('#loyalty-import-form', '#loyalty-import-title'));
  $('#loyalty-import-form').addEventListener('submit', (e) => {
    e.preventDefault();
    previewImport(importMapping);
  });
  $('#loyalty-import-text').addEventListener('input', () => {
    $('#loyalty-import-start').hidden = true;
    $('#loyalty-import-mapping').hidden = true;
    importMapping = null;
  });
  $('#loyalty-import-start').addEventListener('click', startImport);
  $('#loyalty-export').addEventListener('click', (e) => exportMembers(e.currentTarget));
  subscribe(() => {
    if (cardsFor !== null && cardsFor !== accountId()) {
      cardsFor = null;
      members = [];
      applyFilter();
      closeMember();
    }
  });
  onLanguageChange(() => {
    renderHead();
    renderCardDetails();
    table.schedule(true);
    if (selected) renderMember(selected);
  });
}

export function show(options = {}) {
  // The first steps card looks up a practice member to stamp; the filter applies as the
  // members arrive.
  if (typeof options.search === 'string') {
    $('#loyalty-search').value = options.search;
    applyFilter();
  }
  if (cardsFor !== accountId()) refreshCards();
  $('#loyalty-search').focus();
  offerResume();
}

let offered = false;

/** An import interrupted by a crash or a close is offered here, paused, for Resume. */
async function offerResume() {
  if (offered || importPanel.job) return;
  offered = true;
  try {
    const [job] = await api.unfinishedJobs('loyalty_import');
    if (!job) return;
    importPanel.attach(job.jobId, { state: 'paused' });
    importPanel.onProgress({
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
    // Nothing to offer, or the journal is not readable; the screen works without it.
  }
}

function accountId() {
  const account = activeAccount();
  return account ? account.id : '';
}

function card() {
  return $('#loyalty-card').value;
}

function cardInfo() {
  return overview ? overview.cards.find((c) => c.id === card()) : null;
}

function toggle(form, heading) {
  const el = $(form);
  el.hidden = !el.hidden;
  if (!el.hidden) $(heading).focus();
}

function availableRewards(member) {
  return (member.rewards || []).filter((r) => !r.used);
}

// ------------------------------------------------------------------ cards and members

async function refreshCards() {
  const select = $('#loyalty-card');
  const errorArea = $('#loyalty-card-error');
  clearError(errorArea);
  select.disabled = true;
  try {
    overview = await api.loyaltyCards();
    cardsFor = accountId();
    clear(select);
    for (const c of overview.cards) select.append(h('option', { value: c.id }, `${c.name} (${c.id})`));
    $('#loyalty-v3-note').hidden = !overview.v3Only;
    for (const id of ['#loyalty-new', '#loyalty-import-toggle', '#loyalty-copy-button']) $(id).disabled = overview.v3Only;
    renderCardDetails();
    if (overview.cards.length) await loadMembers();
  } catch (err) {
    showError(errorArea, err, { retry: refreshCards });
  } finally {
    select.disabled = false;
  }
}

function renderCardDetails() {
  const info = cardInfo();
  $('#loyalty-card-details').textContent = info ? t('loyalty.cardDetails', { kind: info.kind || '—', code: info.code || '—', domain: info.domain || '—' }) : '';
}

async function loadMembers() {
  if (!card()) return;
  renderCardDetails();
  const token = ++loadToken;
  const errorArea = $('#loyalty-members-error');
  clearError(errorArea);
  closeMember();
  members = [];
  haystacks.clear();
  applyFilter();
  const bar = $('#loyalty-load-progress');
  $('#loyalty-loading').hidden = false;
  bar.value = 0;
  $('#loyalty-load-text').textContent = '';
  const started = performance.now();
  try {
    let firstPainted = false;
    let finished = false;
    const channel = api.progressChannel((p) => {
      // A page message can arrive after the whole list: the list is the truth then.
      if (token !== loadToken || finished || !p) return;
      const total = Number(p.total) || 0;
      bar.max = Math.max(1, total);
      bar.value = Number(p.loaded) || 0;
      $('#loyalty-load-text').textContent = total ? t('loyalty.loading', { loaded: formatNumber(p.loaded), total: formatNumber(total) }) : formatNumber(p.loaded);
      // Rows as the pages arrive: the first ones can be searched while the rest load.
      if (Array.isArray(p.members) && p.members.length) {
        members.push(...p.members);
        p.members.forEach(haystack); // ready before the first key is typed
        scheduleFilter();
        if (!firstPainted) {
          firstPainted = true;
          requestAnimationFrame(() => {
            document.body.dataset.membersFirstPaintedMs = String(Math.round(performance.now() - started));
          });
        }
      }
    });
    const list = await api.loyaltyMembers(card(), $('#loyalty-include-voided').checked, channel);
    if (token !== loadToken) return;
    finished = true;
    members = Array.isArray(list) ? list : [];
    members.forEach(haystack);
    applyFilter({ keepScroll: firstPainted });
    document.body.dataset.membersLoadedMs = String(Math.round(performance.now() - started));
  } catch (err) {
    if (token === loadToken) showError(errorArea, err, { retry: loadMembers });
  } finally {
    if (token === loadToken) $('#loyalty-loading').hidden = true;
  }
}

let filterFrame = 0;

/** Many pages can arrive within one frame: filter and draw once per frame. */
function scheduleFilter() {
  if (filterFrame) return;
  filterFrame = requestAnimationFrame(() => {
    filterFrame = 0;
    applyFilter({ keepScroll: true });
  });
}

// Search text per member, made once per member object (the list is searched on every key). A
// plain Map, emptied with each new list: 10 000 WeakMap entries made every garbage collection
// cost ~100 ms in WebKit, which a person typing felt.
const haystacks = new Map();
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
let sortedFor = null; // { list, key, dir, length } the cache below was made for
let sorted = [];

function haystack(member) {
  let text = haystacks.get(member);
  if (text === undefined) {
    text = `${member.firstName} ${member.lastName} ${member.email} ${member.phone} ${member.id}`.toLowerCase();
    haystacks.set(member, text);
  }
  return text;
}

/** The members in the chosen order; sorted again only when the list or the order changed. */
function sortedMembers() {
  const fresh = sortedFor && sortedFor.list === members && sortedFor.length === members.length && sortedFor.key === sort.key && sortedFor.dir === sort.dir;
  if (!fresh) {
    const column = COLUMNS.find((c) => c.key === sort.key) || COLUMNS[0];
    const keyed = members.map((m) => [column.value(m), m]);
    keyed.sort((a, b) => (column.numeric ? Number(a[0]) - Number(b[0]) : collator.compare(String(a[0]), String(b[0]))) * sort.dir);
    sorted = keyed.map((pair) => pair[1]);
    sortedFor = { list: members, length: members.length, key: sort.key, dir: sort.dir };
  }
  return sorted;
}

function applyFilter({ keepScroll = false } = {}) {
  const started = performance.now();
  const words = $('#loyalty-search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const all = sortedMembers();
  shown = words.length ? all.filter((m) => {
    const text = haystack(m);
    return words.every((w) => text.includes(w));
  }) : all.slice();
  if (keepScroll) {
    // More rows arrived: the page cache is stale, the scroll position stays.
    table.pages.clear();
    table.setTotal(shown.length);
    table.refreshVisible();
    table.schedule(true);
  } else {
    table.reset(shown.length);
  }
  $('#loyalty-count').textContent = members.length
    ? t('loyalty.count', { shown: formatNumber(shown.length), total: formatNumber(members.length) })
    : '';
  // The benchmark reads when the filtered rows were painted: the table draws placeholders in
  // the next frame and the rows in the one after (its pages arrive as promises).
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.dataset.filterPaintedMs = String(Math.round(performance.now() - started));
  }));
}

function renderHead() {
  const head = $('#loyalty-members-head');
  clear(head);
  for (const column of COLUMNS) {
    const sorted = sort.key === column.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none';
    head.append(
      h('th', { scope: 'col', 'aria-sort': sorted },
        h('button', { type: 'button', class: 'sort-button', onclick: () => sortBy(column.key) }, t(column.label))),
    );
  }
}

function sortBy(key) {
  sort = sort.key === key ? { key, dir: -sort.dir } : { key, dir: 1 };
  renderHead();
  applyFilter();
}

function renderMemberRow(member) {
  const cells = COLUMNS.map((column, i) => {
    const value = column.value(member);
    let text = value === null || value === undefined ? '' : String(value);
    // Not by colour alone: a voided card says so in words.
    if (i === 0 && member.voided) text = `${text} (${t('loyalty.voided')})`;
    return h('td', { class: column.numeric ? 'num' : null, title: text || null }, text);
  });
  const classes = [member.voided ? 'row-voided' : '', selected && selected.id === member.id ? 'selected' : ''].filter(Boolean).join(' ');
  return h('tr', { tabindex: '0', class: classes || null, dataset: { member: member.id } }, cells);
}

// ------------------------------------------------------------------ the member panel

async function openMember(id) {
  const member = members.find((m) => m.id === id);
  if (!member) return;
  renderMember(member);
  $('#loyalty-member').hidden = false;
  $('#loyalty-member-title').focus();
  table.schedule(true);
}

function closeMember() {
  selected = null;
  $('#loyalty-member').hidden = true;
}

function deleteName(member) {
  const name = `${member.firstName} ${member.lastName}`.trim();
  return name || member.email;
}

function renderMember(member) {
  selected = member;
  const name = deleteName(member) || member.id;
  $('#loyalty-member-title').textContent = name;
  $('#loyalty-member-state').textContent = member.voided ? t('loyalty.voided') : t('loyalty.stampsNow', { stamps: formatNumber(member.stamps) });
  $('#loyalty-member-state').dataset.state = member.voided ? 'paused' : 'finished';
  for (const field of FIELD_NAMES) $(`#member-${FIELD_IDS[field]}`).value = member[field] || '';
  for (const input of $$('#loyalty-member input[data-n]')) input.value = (member.custom || [])[Number(input.dataset.n) - 1] || '';
  $('#loyalty-stamp-amount').value = '1';
  $('#loyalty-stamp-note').value = '';
  renderStampTotal();
  const rewards = $('#loyalty-rewards');
  clear(rewards);
  const available = availableRewards(member);
  for (const reward of available) {
    const id = `reward-${reward.id}`;
    rewards.append(h('li', null, h('label', { class: 'check', for: id }, h('input', { type: 'checkbox', id, value: String(reward.id) }), h('span', null, reward.name || `#${reward.id}`))));
  }
  if (!available.length) rewards.append(h('li', { class: 'muted' }, t('loyalty.noRewards')));
  $('#loyalty-use-rewards').disabled = !available.length || Boolean(overview && overview.v3Only);
  $('#loyalty-delete-name').value = '';
  $('#loyalty-delete').disabled = true;
  $('#loyalty-delete-label').textContent = t('loyalty.deleteLabelName', { name });
  showVoidConfirm(false);
  $('#loyalty-void').disabled = member.voided;
  const v3 = Boolean(overview && overview.v3Only);
  $('#loyalty-save').disabled = v3;
  $('#loyalty-delete-name').disabled = v3;
  $('#loyalty-member-note').hidden = true;
  $('#loyalty-member-result').textContent = '';
  clearError($('#loyalty-member-error'));
}

function renderStampTotal() {
  if (!selected) return;
  const amount = Number($('#loyalty-stamp-amount').value);
  $('#loyalty-stamp-total').textContent = Number.isInteger(amount) && amount >= 1
    ? t('loyalty.newTotal', { before: formatNumber(selected.stamps), after: formatNumber(selected.stamps + amount) })
    : t('loyalty.stampAmountHint');
}

/** The server's answer replaces the member everywhere it is shown. */
function replaceMember(member, message) {
  const i = members.findIndex((m) => m.id === member.id);
  if (i >= 0) members[i] = member;
  sortedFor = null; // the order may change with the member's new values
  applyFilter();
  renderMember(member);
  if (message) {
    $('#loyalty-member-result').textContent = message;
    $('#loyalty-announce').textContent = message;
  }
}

function memberErrorFields() {
  const fields = {};
  for (const field of FIELD_NAMES) fields[field] = `member-${FIELD_IDS[field]}`;
  fields.amount = 'loyalty-stamp-amount';
  fields.note = 'loyalty-stamp-note';
  fields.deleteName = 'loyalty-delete-name';
  return fields;
}

function fieldsFrom(prefix) {
  const fields = {};
  for (const field of FIELD_NAMES) {
    const value = $(`#${prefix}-${FIELD_IDS[field]}`).value.trim();
    fields[field] = value || null;
  }
  fields.custom = $$(`input[id^="${prefix}-custom-"]`).map((input) => input.value.trim() || null);
  return fields;
}

function memberAction(button, work) {
  if (!selected) return;
  const errorArea = $('#loyalty-member-error');
  clearError(errorArea);
  clearFieldErrors($('#loyalty-member'));
  withBusy(button, async () => {
    try {
      await work();
    } catch (err) {
      showProblem(err, { fields: memberErrorFields(), box: errorArea });
    }
  });
}

function saveMember() {
  memberAction($('#loyalty-save'), async () => {
    const member = await api.updateLoyaltyMember(card(), selected.id, fieldsFrom('member'));
    replaceMember(member, t('loyalty.saved'));
  });
}

function addStamps() {
  memberAction($('#loyalty-add-stamps'), async () => {
    const amount = Number($('#loyalty-stamp-amount').value) || 0;
    const result = await api.addLoyaltyStamps(card(), selected.id, amount, selected.stamps, $('#loyalty-stamp-note').value.trim());
    let message = t(result.confirmedAfterInterruption ? 'loyalty.stampsConfirmed' : 'loyalty.stampsAdded', { stamps: formatNumber(result.member.stamps) });
    // Another till stamped the card since the panel showed it: say so, the total counts both.
    if (typeof result.changedSinceShown === 'number') {
      message += ` ${t('loyalty.stampsChangedMeanwhile', { shown: formatNumber(selected.stamps), found: formatNumber(result.changedSinceShown) })}`;
    }
    replaceMember(result.member, message);
  });
}

function useRewards() {
  memberAction($('#loyalty-use-rewards'), async () => {
    const ids = $$('#loyalty-rewards input:checked').map((input) => Number(input.value));
    const member = await api.useLoyaltyRewards(card(), selected.id, ids);
    replaceMember(member, t('loyalty.rewardsUsed', { count: ids.length }));
  });
}

function showVoidConfirm(visible) {
  $('#loyalty-void-confirm').hidden = !visible;
  $('#loyalty-void-cancel').hidden = !visible;
  $('#loyalty-void').hidden = visible;
  if (visible) $('#loyalty-void-confirm').focus();
}

function voidMember() {
  memberAction($('#loyalty-void-confirm'), async () => {
    const member = await api.voidLoyaltyMember(card(), selected.id);
    // A voided member leaves the list unless voided cards are shown.
    if (!$('#loyalty-include-voided').checked && member.voided) {
      members = members.filter((m) => m.id !== member.id);
      applyFilter();
      renderMember(member);
      $('#loyalty-member-result').textContent = t('loyalty.voidedDone');
    } else {
      replaceMember(member, t('loyalty.voidedDone'));
    }
  });
}

function deleteMember() {
  memberAction($('#loyalty-delete'), async () => {
    const gone = selected;
    await api.deleteLoyaltyMember(card(), gone.id, $('#loyalty-delete-name').value);
    members = members.filter((m) => m.id !== gone.id);
    applyFilter();
    closeMember();
    $('#loyalty-count').textContent = t('loyalty.deleted', { name: deleteName(gone) });
    $('#loyalty-announce').textContent = t('loyalty.deleted', { name: deleteName(gone) });
    $('#loyalty-search').focus();
  });
}

// ------------------------------------------------------------------ new, copy, push, import, export

function createMember() {
  const errorArea = $('#loyalty-new-error');
  clearError(errorArea);
  clearFieldErrors($('#loyalty-new-form'));
  withBusy($('#loyalty-create'), async () => {
    try {
      const member = await api.createLoyaltyMember(card(), fieldsFrom('new'));
      members.push(member);
      for (const input of $$('#loyalty-new-form input')) input.value = '';
      $('#loyalty-new-form').hidden = true;
      applyFilter();
      openMember(member.id);
      $('#loyalty-member-result').textContent = t('loyalty.created');
    } catch (err) {
      const fields = {};
      for (const field of FIELD_NAMES) fields[field] = `new-${FIELD_IDS[field]}`;
      showProblem(err, { fields, box: errorArea });
    }
  });
}

function copyCard() {
  const errorArea = $('#loyalty-card-error');
  clearError(errorArea);
  withBusy($('#loyalty-copy-button'), async () => {
    try {
      const copy = await api.copyLoyaltyCard(card(), $('#loyalty-copy-name').value.trim());
      $('#loyalty-copy-result').textContent = t('loyalty.copied', { name: copy.name, id: copy.id });
      $('#loyalty-copy-name').value = '';
      overview.cards.push(copy);
      $('#loyalty-card').append(h('option', { value: copy.id }, `${copy.name} (${copy.id})`));
    } catch (err) {
      showProblem(err, { fields: { name: 'loyalty-copy-name' }, box: errorArea });
    }
  });
}

function pushTarget() {
  const chosen = $('input[name="loyalty-push-to"]:checked');
  return chosen ? chosen.value : 'all';
}

function renderPushTargets() {
  $('#loyalty-push-one-label').textContent = selected ? t('loyalty.pushOne', { name: deleteName(selected) }) : t('loyalty.pushOneNone');
  $('#loyalty-push-one').disabled = !selected;
  $('#loyalty-push-shown-label').textContent = t('loyalty.pushShown', { count: formatNumber(shown.length) });
  $('#loyalty-push-shown').disabled = !shown.length || Boolean(overview && overview.v3Only);
  $('#loyalty-push-all-label').textContent = t('loyalty.pushAll', { count: formatNumber(members.filter((m) => !m.voided).length) });
  $('#loyalty-push-confirm').hidden = true;
}

function pushRecipients() {
  const target = pushTarget();
  if (target === 'one' && selected) return [selected.id];
  if (target === 'shown') return shown.filter((m) => !m.voided).map((m) => m.id);
  return null;
}

function checkPush() {
  const errorArea = $('#loyalty-push-error');
  clearError(errorArea);
  clearFieldErrors($('#loyalty-push-form'));
  const message = $('#loyalty-push-message').value.trim();
  if (!message) {
    showProblem({ kind: 'validation', field: 'message', message: t('loyalty.pushEmpty'), hint: null }, { fields: { message: 'loyalty-push-message' }, box: errorArea });
    return;
  }
  const recipients = pushRecipients();
  const count = recipients ? recipients.length : members.filter((m) => !m.voided).length;
  const confirm = $('#loyalty-push-confirm');
  confirm.textContent = t('loyalty.pushConfirm', { count: formatNumber(count) });
  $('#loyalty-push-confirm-text').textContent = t('loyalty.pushPreview', { message, count: formatNumber(count) });
  confirm.hidden = false;
  confirm.focus();
}

function sendPush() {
  const errorArea = $('#loyalty-push-error');
  withBusy($('#loyalty-push-confirm'), async () => {
    try {
      const receipt = await api.pushLoyaltyMessage(card(), $('#loyalty-push-message').value.trim(), pushRecipients());
      const n = receipt && receipt.recipients !== null && receipt.recipients !== undefined ? formatNumber(receipt.recipients) : '—';
      $('#loyalty-push-result').textContent = t('loyalty.pushSent', { count: n });
      $('#loyalty-push-confirm').hidden = true;
      $('#loyalty-push-confirm-text').textContent = '';
      $('#loyalty-push-message').value = '';
    } catch (err) {
      showProblem(err, { fields: { message: 'loyalty-push-message' }, box: errorArea });
    }
  });
}

let importMapping = null; // field → column, as the last preview used it

function previewImport(mapping = null) {
  const errorArea = $('#loyalty-import-error');
  clearError(errorArea);
  clearFieldErrors($('#loyalty-import-form'));
  withBusy($('#loyalty-import-check'), async () => {
    try {
      const preview = await api.previewMemberImport($('#loyalty-import-text').value, mapping);
      importMapping = preview.mapping || {};
      renderImportMapping(preview.headers || [], importMapping);
      $('#loyalty-import-summary').textContent = t('loyalty.importSummary', { valid: formatNumber(preview.valid), problems: formatNumber(preview.problems), total: formatNumber(preview.total) });
      const start = $('#loyalty-import-start');
      start.hidden = preview.valid === 0;
      start.textContent = t('loyalty.importStartN', { count: formatNumber(preview.valid) });
      if (preview.valid && !mapping) start.focus();
    } catch (err) {
      showProblem(err, { fields: { importText: 'loyalty-import-text' }, box: errorArea });
    }
  });
}

/** The columns the file has, and which one was taken for each field (the person may change it). */
function renderImportMapping(headers, mapping) {
  $('#loyalty-import-mapping').hidden = false;
  for (const select of $$('#loyalty-import-mapping select')) {
    const field = select.dataset.field;
    clear(select);
    select.append(h('option', { value: '' }, t('bulk.mapNone')));
    headers.forEach((name, i) => select.append(h('option', { value: String(i) }, name || `#${i + 1}`)));
    select.value = mapping[field] === undefined ? '' : String(mapping[field]);
    select.onchange = () => {
      const chosen = {};
      for (const other of $$('#loyalty-import-mapping select')) {
        if (other.value !== '') chosen[other.dataset.field] = Number(other.value);
      }
      previewImport(chosen);
    };
  }
}

function startImport() {
  const errorArea = $('#loyalty-import-error');
  const info = cardInfo();
  withBusy($('#loyalty-import-start'), async () => {
    try {
      const started = await api.startMemberImport(card(), info ? info.name : '', $('#loyalty-import-text').value, importMapping, importPanel.channel());
      importPanel.started(started.jobId);
      $('#loyalty-import-start').hidden = true;
    } catch (err) {
      importPanel.expecting = false;
      showProblem(err, { fields: { importText: 'loyalty-import-text' }, box: errorArea });
    }
  });
}

function importSummary(message) {
  const n = (v) => formatNumber(Number(v) || 0);
  return t('loyalty.importProgress', { added: n(message.sent), skipped: n(message.skipped), failed: n(message.failed), unknown: n(message.unknown), remaining: n(message.remaining) });
}

function exportMembers(button) {
  withBusy(button, async () => {
    const errorArea = $('#loyalty-members-error');
    clearError(errorArea);
    try {
      const saved = await api.exportLoyaltyMembers(card(), $('#loyalty-include-voided').checked);
      $('#loyalty-export-path').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError(errorArea, err);
    }
  });
}
