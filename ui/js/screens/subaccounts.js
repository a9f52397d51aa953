// Subaccounts: the list with search (name, company, e-mail, expiry), a subaccount's details
// (campaigns, counters, expiry, access), create and change with field checks, a password-reset
// link to copy, "Log in as this subaccount" (a one-time link opened in the browser) and "Add as
// an account in Coupon Desk". API keys never come to this window.

import * as api from '../api.js';
import { $, h, clear, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { activeAccount, subscribe } from '../state.js';
import { formatNumber, formatDateTime } from '../format.js';
import { copyText } from '../clipboard.js';

// Field name (as the app's errors name it) → input id.
const FIELDS = {
  email: 'sub-email',
  password: 'sub-password',
  firstName: 'sub-first-name',
  lastName: 'sub-last-name',
  companyName: 'sub-company',
  country: 'sub-country',
  status: 'sub-status',
  expiryDate: 'sub-expiry',
  package: 'sub-package',
};

let ctx = null;
let listFor = null;
let subaccounts = [];
let current = null; // the subaccount in the details card
let editing = null; // null: creating; else the ID being changed

export function init(context) {
  ctx = context;
  $('#subaccounts-search').addEventListener('input', renderList);
  $('#subaccounts-reload').addEventListener('click', () => refresh());
  $('#subaccounts-new').addEventListener('click', () => openForm(null));
  $('#subaccounts-rows').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-sub]');
    if (tr) openDetails(tr.dataset.sub);
  });
  $('#subaccounts-rows').addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr[data-sub]');
    if (tr && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openDetails(tr.dataset.sub);
    }
  });
  clearFieldErrorsOnInput($('#subaccounts-form'));
  $('#subaccounts-form').addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  $('#subaccounts-form-cancel').addEventListener('click', () => {
    $('#subaccounts-form').hidden = true;
  });
  $('#subaccounts-edit').addEventListener('click', () => current && openForm(current));
  $('#subaccounts-reset').addEventListener('click', (e) => resetLink(e.currentTarget));
  $('#subaccounts-reset-copy').addEventListener('click', async () => {
    const ok = await copyText($('#subaccounts-reset-url').value);
    $('#subaccounts-action-result').textContent = t(ok ? 'subaccounts.copied' : 'subaccounts.copyFailed');
  });
  $('#subaccounts-login').addEventListener('click', (e) => login(e.currentTarget));
  $('#subaccounts-add-account').addEventListener('click', (e) => addAccount(e.currentTarget));
  subscribe(() => {
    if (listFor !== null && listFor !== accountId()) {
      listFor = null;
      subaccounts = [];
      current = null;
      $('#subaccounts-details').hidden = true;
      $('#subaccounts-form').hidden = true;
      renderList();
    }
  });
  onLanguageChange(() => {
    renderList();
    if (current) renderDetails(current);
    renderFormTitle();
  });
}

export function show() {
  if (listFor !== accountId()) refresh();
}

function accountId() {
  const account = activeAccount();
  return account ? account.id : '';
}

async function refresh() {
  const errorArea = $('#subaccounts-error');
  clearError(errorArea);
  try {
    subaccounts = await api.listSubaccounts();
    listFor = accountId();
    renderList();
  } catch (err) {
    showError(errorArea, err, { retry: refresh });
  }
}

function statusWord(status) {
  return status === 'trial' || status === 'customer' ? t(`subaccounts.status.${status}`) : status || '—';
}

function renderList() {
  const words = $('#subaccounts-search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = subaccounts.filter((s) => {
    const text = `${s.name} ${s.firstName} ${s.lastName} ${s.companyName} ${s.email} ${s.expiryDate} ${s.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const body = $('#subaccounts-rows');
  clear(body);
  for (const s of shown) {
    const name = `${s.firstName} ${s.lastName}`.trim() || s.name;
    body.append(
      h('tr', { tabindex: '0', class: current && current.id === s.id ? 'selected' : null, dataset: { sub: s.id } },
        h('td', null, name),
        h('td', null, s.companyName || '—'),
        h('td', null, s.email || '—'),
        h('td', null, s.expiryDate || '—'),
        h('td', null, statusWord(s.status)),
      ),
    );
  }
  const count = $('#subaccounts-count');
  count.dataset.shown = String(shown.length);
  count.textContent = subaccounts.length ? t('subaccounts.count', { shown: formatNumber(shown.length), total: formatNumber(subaccounts.length) }) : t('subaccounts.none');
}

async function openDetails(id) {
  const errorArea = $('#subaccounts-action-error');
  clearError(errorArea);
  try {
    const details = await api.subaccountDetails(id);
    renderDetails(details);
    $('#subaccounts-details').hidden = false;
    $('#subaccounts-details-title').focus();
    renderList();
  } catch (err) {
    showError($('#subaccounts-error'), err);
  }
}

function renderDetails(s) {
  current = s;
  $('#subaccounts-details-title').textContent = s.name;
  $('#subaccounts-details-state').textContent = statusWord(s.status);
  const facts = $('#subaccounts-facts');
  clear(facts);
  const n = (v) => (v === null || v === undefined ? '—' : formatNumber(v));
  const rows = [
    ['subaccounts.fact.id', s.id],
    ['subaccounts.fact.email', s.email || '—'],
    ['subaccounts.fact.name', `${s.firstName} ${s.lastName}`.trim() || '—'],
    ['subaccounts.fact.company', s.companyName || '—'],
    ['subaccounts.fact.country', s.country || '—'],
    ['subaccounts.fact.expiry', s.expiryDate || '—'],
    ['subaccounts.fact.lastLogin', s.lastLogin ? formatDateTime(s.lastLogin) : '—'],
    ['subaccounts.fact.logins', n(s.logins)],
    ['subaccounts.fact.campaigns', t('subaccounts.campaignsOf', { has: n(s.hasCampaigns), max: n(s.maxCampaigns), available: n(s.availableCampaigns) })],
  ];
  for (const [label, value] of rows) facts.append(h('dt', null, t(label)), h('dd', null, String(value)));
  const campaigns = $('#subaccounts-campaigns');
  clear(campaigns);
  for (const c of s.campaigns) campaigns.append(h('li', null, `${c.id} (${c.code || '—'}, ${c.status || '—'})`));
  if (!s.campaigns.length) campaigns.append(h('li', { class: 'muted' }, t('subaccounts.noCampaigns')));
  const access = $('#subaccounts-access');
  clear(access);
  for (const [name, on] of s.access) access.append(h('li', null, t(on ? 'subaccounts.accessOn' : 'subaccounts.accessOff', { name })));
  if (!s.access.length) access.append(h('li', { class: 'muted' }, t('subaccounts.noAccess')));
  $('#subaccounts-keys').textContent = t(s.hasApiKeys ? 'subaccounts.keysHidden' : 'subaccounts.noKeys');
  $('#subaccounts-add-account').disabled = !s.hasApiKeys;
  $('#subaccounts-reset-box').hidden = true;
  $('#subaccounts-reset-url').value = '';
  $('#subaccounts-action-result').textContent = '';
}

function renderFormTitle() {
  $('#subaccounts-form-title').textContent = editing ? t('subaccounts.editTitle', { name: current ? current.name : editing }) : t('subaccounts.newTitle');
  $('#subaccounts-save').textContent = editing ? t('subaccounts.saveChanges') : t('subaccounts.create');
}

function openForm(sub) {
  editing = sub ? sub.id : null;
  const form = $('#subaccounts-form');
  clearFieldErrors(form);
  clearError($('#subaccounts-form-error'));
  $('#subaccounts-form-result').textContent = '';
  $('#sub-email').value = sub ? sub.email : '';
  $('#sub-password').value = '';
  $('#sub-password-field').hidden = Boolean(sub);
  $('#sub-first-name').value = sub ? sub.firstName : '';
  $('#sub-last-name').value = sub ? sub.lastName : '';
  $('#sub-company').value = sub ? sub.companyName : '';
  $('#sub-country').value = sub ? sub.country : '';
  $('#sub-status').value = sub && (sub.status === 'trial' || sub.status === 'customer') ? sub.status : '';
  $('#sub-expiry').value = sub ? sub.expiryDate : '';
  $('#sub-package').value = '';
  renderFormTitle();
  form.hidden = false;
  $('#subaccounts-form-title').focus();
}

function formInput() {
  const value = (id) => {
    const v = $(`#${id}`).value.trim();
    return v === '' ? null : v;
  };
  return {
    email: value('sub-email'),
    password: editing ? null : $('#sub-password').value || null,
    firstName: value('sub-first-name'),
    lastName: value('sub-last-name'),
    companyName: value('sub-company'),
    country: value('sub-country'),
    status: value('sub-status'),
    expiryDate: value('sub-expiry'),
    package: value('sub-package'),
  };
}

function save() {
  const form = $('#subaccounts-form');
  const errorArea = $('#subaccounts-form-error');
  clearFieldErrors(form);
  clearError(errorArea);
  $('#subaccounts-form-result').textContent = '';
  withBusy($('#subaccounts-save'), async () => {
    try {
      const input = formInput();
      const saved = editing ? await api.updateSubaccount(editing, input) : await api.createSubaccount(input);
      $('#sub-password').value = '';
      const was = editing;
      editing = saved.id;
      renderFormTitle();
      const said = t(was ? 'subaccounts.changed' : 'subaccounts.created', { name: saved.name, id: saved.id });
      $('#subaccounts-form-result').textContent = saved.refreshFailed && saved.refreshNote ? `${said} ${saved.refreshNote}` : said;
      const at = subaccounts.findIndex((s) => s.id === saved.id);
      // Saved but not read again: what is on screen stays until the next reload.
      if (saved.refreshFailed && at >= 0) {
        renderDetails(subaccounts[at]);
      } else {
        if (at >= 0) subaccounts[at] = saved;
        else subaccounts.push(saved);
        renderDetails(saved);
      }
      $('#subaccounts-details').hidden = false;
      renderList();
    } catch (err) {
      showProblem(err, { fields: FIELDS, box: errorArea });
    }
  });
}

function resetLink(button) {
  if (!current) return;
  const errorArea = $('#subaccounts-action-error');
  clearError(errorArea);
  withBusy(button, async () => {
    try {
      const link = await api.subaccountResetUrl(current.id);
      $('#subaccounts-reset-url').value = link.url;
      $('#subaccounts-reset-box').hidden = false;
      $('#subaccounts-action-result').textContent = t('subaccounts.resetReady');
      $('#subaccounts-reset-copy').focus();
    } catch (err) {
      showError(errorArea, err);
    }
  });
}

function login(button) {
  if (!current) return;
  const errorArea = $('#subaccounts-action-error');
  clearError(errorArea);
  withBusy(button, async () => {
    try {
      await api.subaccountLogin(current.id);
      $('#subaccounts-action-result').textContent = t('subaccounts.loginOpened', { name: current.name });
    } catch (err) {
      showError(errorArea, err);
    }
  });
}

function addAccount(button) {
  if (!current) return;
  const errorArea = $('#subaccounts-action-error');
  clearError(errorArea);
  withBusy(button, async () => {
    try {
      const account = await api.addSubaccountAsAccount(current.id);
      $('#subaccounts-action-result').textContent = t('subaccounts.accountAdded', { name: account.name });
      if (ctx && typeof ctx.refreshStatus === 'function') await ctx.refreshStatus();
    } catch (err) {
      showError(errorArea, err);
    }
  });
}
