// Settings: accounts (add, test, rename, replace secret, remove, make active), practice mode,
// language and list sending speed. A secret goes to Rust once and is never shown again: the
// list only ever shows the client-id hint.

import * as api from '../api.js';
import { $, h, clear, withBusy, debounce } from '../dom.js';
import { t, setLanguage, onLanguageChange, normaliseLanguage, preferredLanguage } from '../i18n.js';
import {
  showError, clearError, showProblem, showFieldError, clearFieldErrors, clearFieldErrorsOnInput, errorBox,
} from '../errors.js';
import { hostOf } from '../format.js';
import { state, accounts, activeAccount, preferences, setPreferencesInState, subscribe } from '../state.js';
import { parseConcurrency, savedConcurrency, forgetJobConcurrency, showConcurrency } from '../concurrency.js';
import * as about from './about.js';
import * as firstSteps from './first-steps.js';

export { announcePendingUpdate } from './about.js';

// The preset only picks the v3 host: the v4 REST API is documented on api.coupontools.com only.
const V3_PRESETS = {
  coupontools: 'https://api.coupontools.com/v3',
  api4coupons: 'https://api4coupons.com/v3',
};

const ADD_FIELDS = {
  name: 'account-name',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  v3BaseUrl: 'v3-base-url',
  v4BaseUrl: 'v4-base-url',
};
const EDIT_FIELDS = {
  name: 'edit-account-name',
  clientSecret: 'edit-client-secret',
  v3BaseUrl: 'edit-v3-base-url',
  v4BaseUrl: 'edit-v4-base-url',
};

let ctx;
let renderedAccountsKey = null;
let lastOutcome = null; // last connection test shown, re-rendered when the language changes
let editing = null; // AccountView being edited
let removing = null; // AccountView about to be removed
let dialogReturnFocus = null;
// Set when a command fails because the keychain is missing, even if app_status said it was there.
let keychainOverride = null;

export function init(context) {
  ctx = context;
  wireAddForm();
  wireAccountList();
  wireEditDialog();
  wireRemoveDialog();
  wirePractice();
  wirePreferences();
  wireTodaySettings();
  about.init({ save: savePreferences, go: (screen, options) => ctx.navigate(screen, options) });
  subscribe(render);
  onLanguageChange(() => {
    renderedAccountsKey = null;
    render();
    if (lastOutcome) showConnectionOutcome(lastOutcome);
  });
}

export function show(options = {}) {
  // A fresh visit shows the saved default, not a value that was rejected last time.
  clearFieldErrors($('#pref-bulk-concurrency').closest('.field'));
  render();
  about.show();
  if (options.openAddForm) openAddForm();
}

// ---------------------------------------------------------------- rendering

function render() {
  renderKeychain();
  renderTodaySettings();
  renderAccounts();
  const practiceActive = Boolean(activeAccount() && activeAccount().kind === 'practice');
  $('#first-steps-again-row').hidden = !practiceActive;
  const prefs = preferences();
  const language = $('#language');
  if (document.activeElement !== language) language.value = preferredLanguage(prefs);
  const concurrency = $('#pref-bulk-concurrency');
  // Leave a half-typed or rejected value alone: the user is still working on it.
  if (document.activeElement !== concurrency && concurrency.getAttribute('aria-invalid') !== 'true') {
    showConcurrency(concurrency, savedConcurrency());
  } else {
    // Reworded in the new language, the choice kept.
    showConcurrency(concurrency, parseConcurrency(concurrency.value) ?? savedConcurrency());
  }
}

function renderKeychain() {
  const box = $('#keychain-warning');
  const status = keychainOverride || (state.status && state.status.keychain) || null;
  if (!status || status.available !== false) {
    box.hidden = true;
    return;
  }
  $('#keychain-message').textContent = status.message || t('settings.keychain.message');
  $('#keychain-hint').textContent = status.hint || '';
  $('#keychain-hint').hidden = !status.hint;
  box.hidden = false;
}

/** A command failed because the OS keychain is missing: say so prominently on this screen. */
function noteKeychainProblem(err) {
  if (err && err.kind === 'keychain_unavailable') {
    keychainOverride = { available: false, message: err.message, hint: err.hint };
    renderKeychain();
  }
}

function accountsKey(list) {
  return JSON.stringify(list.map((a) => [a.id, a.name, a.kind, a.clientIdHint, a.v3BaseUrl, a.v4BaseUrl, a.active]));
}

function isActive(account) {
  const active = activeAccount();
  return Boolean(account.active) || Boolean(active && active.id === account.id);
}

function renderAccounts() {
  const list = accounts();
  const key = accountsKey(list) + (activeAccount() ? activeAccount().id : '');
  if (key === renderedAccountsKey) return;
  renderedAccountsKey = key;

  // Re-rendering replaces the buttons; put focus back on the same button of the same account.
  const focused = document.activeElement;
  const focusedItem = focused && focused.closest ? focused.closest('#account-list li[data-account-id]') : null;
  const focusedAction = focusedItem ? ['make-active', 'test-connection', 'rename', 'remove'].find((c) => focused.classList.contains(c)) : null;
  const focusedId = focusedItem ? focusedItem.dataset.accountId : null;

  const ul = $('#account-list');
  clear(ul);
  list.forEach((account, index) => ul.append(accountItem(account, index)));
  $('#account-list-empty').hidden = list.length > 0;

  if (focusedId && focusedAction) {
    const again = ul.querySelector(`li[data-account-id="${CSS.escape(focusedId)}"] .${focusedAction}`);
    if (again) again.focus();
  }
}

function accountItem(account, index) {
  const nameId = `account-${index}-name`;
  const active = isActive(account);
  const practice = account.kind === 'practice';
  const described = { 'aria-describedby': nameId };

  return h(
    'li',
    { class: `account${active ? ' is-active' : ''}`, dataset: { accountId: account.id } },
    h(
      'div',
      { class: 'account-main' },
      h(
        'div',
        { class: 'account-title' },
        h('span', { class: 'account-name', id: nameId }, account.name),
        practice
          ? h('span', { class: 'badge badge-practice account-kind' }, t('settings.kind.practice'))
          : h('span', { class: 'badge badge-neutral account-kind' }, t('settings.kind.coupontools')),
        active ? h('span', { class: 'badge badge-active active-marker' }, t('settings.active')) : null,
      ),
      h(
        'div',
        { class: 'account-meta' },
        practice
          ? h('span', { class: 'account-practice-note' }, t('settings.practiceNote'))
          : [
              h('span', { class: 'account-client-id' }, t('settings.clientIdHint', { hint: account.clientIdHint || '••••' })),
              h('span', { class: 'account-host' }, t('settings.host', { host: hostOf(account.v3BaseUrl) })),
            ],
      ),
    ),
    h(
      'div',
      { class: 'account-actions' },
      h('button', { type: 'button', class: 'button small secondary make-active', disabled: active, ...described,
        dataset: { i18n: active ? 'settings.inUse' : 'settings.makeActive' } }, t(active ? 'settings.inUse' : 'settings.makeActive')),
      h('button', { type: 'button', class: 'button small secondary test-connection', ...described,
        dataset: { i18n: 'settings.test' } }, t('settings.test')),
      h('button', { type: 'button', class: 'button small ghost rename', ...described,
        dataset: { i18n: 'settings.rename' } }, t('settings.rename')),
      h('button', { type: 'button', class: 'button small ghost danger-text remove', ...described,
        dataset: { i18n: 'settings.remove' } }, t('settings.remove')),
    ),
  );
}

/** Show a connection test outcome ({ ok, result } or { ok: false, error }) in #connection-result. */
export function showConnectionOutcome(outcome) {
  lastOutcome = outcome;
  const area = $('#connection-result');
  clear(area);
  area.classList.remove('ok', 'error');
  if (!outcome) return;
  if (outcome.ok) {
    const r = outcome.result || {};
    area.classList.add('ok');
    area.append(
      h('p', { class: 'result-ok' },
        t('settings.connected', {
          count: Number(r.campaigns) || 0,
          name: r.accountName || '',
          campaigns: Number(r.campaigns) || 0,
          active: Number(r.activeCampaigns) || 0,
          millis: Number(r.millis) || 0,
        }),
      ),
    );
  } else {
    area.classList.add('error');
    if (outcome.savedFirst) area.append(h('p', { class: 'note' }, t('settings.savedButTestFailed')));
    area.append(errorBox(outcome.error));
    noteKeychainProblem(outcome.error);
  }
}

function accountById(id) {
  return accounts().find((a) => String(a.id) === String(id)) || null;
}

// ---------------------------------------------------------------- add form

function openAddForm() {
  const form = $('#add-account-form');
  form.hidden = false;
  $('#show-add-account').setAttribute('aria-expanded', 'true');
  $('#account-name').focus();
}

function closeAddForm({ restoreFocus = true } = {}) {
  const form = $('#add-account-form');
  form.reset();
  clearFieldErrors(form);
  clearError($('#add-account-error'));
  $('#advanced').open = false;
  form.hidden = true;
  $('#show-add-account').setAttribute('aria-expanded', 'false');
  if (restoreFocus) $('#show-add-account').focus();
}

function trimmed(id) {
  return $(`#${id}`).value.trim();
}

function requireFields(fields) {
  for (const [id, key] of fields) {
    if (!trimmed(id)) {
      showFieldError(id, { message: t(key) });
      return false;
    }
  }
  return true;
}

function wireAddForm() {
  const form = $('#add-account-form');
  const toggle = $('#show-add-account');
  const preset = $('#v3-host-preset');
  const v3 = $('#v3-base-url');
  clearFieldErrorsOnInput(form);

  toggle.addEventListener('click', () => {
    if (form.hidden) openAddForm();
    else closeAddForm();
  });
  $('#cancel-add-account').addEventListener('click', () => closeAddForm());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      closeAddForm();
    }
  });

  preset.addEventListener('change', () => {
    if (V3_PRESETS[preset.value]) v3.value = V3_PRESETS[preset.value];
    else v3.focus();
  });
  v3.addEventListener('input', () => {
    const match = Object.entries(V3_PRESETS).find(([, url]) => url === v3.value.trim().replace(/\/+$/, ''));
    preset.value = match ? match[0] : 'custom';
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = $('#save-account');
    const errorArea = $('#add-account-error');
    clearFieldErrors(form);
    clearError(errorArea);
    const ok = requireFields([
      ['account-name', 'settings.add.nameRequired'],
      ['client-id', 'settings.add.clientIdRequired'],
      ['client-secret', 'settings.add.secretRequired'],
      ['v3-base-url', 'settings.add.urlRequired'],
      ['v4-base-url', 'settings.add.urlRequired'],
    ]);
    if (!ok) return;

    const input = {
      name: trimmed('account-name'),
      clientId: trimmed('client-id'),
      // The secret is sent exactly as typed: spaces could be part of it.
      clientSecret: $('#client-secret').value,
      v3BaseUrl: trimmed('v3-base-url'),
      v4BaseUrl: trimmed('v4-base-url'),
    };

    withBusy(button, async () => {
      let account;
      try {
        account = await api.addAccount(input);
      } catch (err) {
        noteKeychainProblem(err);
        showProblem(err, { fields: ADD_FIELDS, box: errorArea });
        return;
      }
      input.clientSecret = '';
      $('#client-secret').value = '';
      keychainOverride = null;
      try {
        await ctx.refreshStatus();
      } catch (err) {
        console.warn('could not refresh after adding an account', err);
      }
      const outcome = await ctx.testConnection(account.id);
      closeAddForm({ restoreFocus: false });
      showConnectionOutcome(outcome.ok ? outcome : { ...outcome, savedFirst: true });
      // After practice, the first real account: say once what changes.
      if (account.kind !== 'practice' && accounts().some((a) => a.kind === 'practice')) {
        $('#connection-result').append(h('p', { class: 'note note-warning', id: 'real-after-practice' }, t('settings.realAfterPractice')));
      }
      focusAccount(account.id, 'test-connection');
    });
  });
}

function focusAccount(id, action) {
  const item = document.querySelector(`#account-list li[data-account-id="${CSS.escape(String(id))}"]`);
  const target = item && item.querySelector(`.${action}`);
  if (target) target.focus();
  else $('#show-add-account').focus();
}

// ---------------------------------------------------------------- account list actions

function wireAccountList() {
  $('#account-list').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    const item = event.target.closest('li[data-account-id]');
    if (!button || !item || button.disabled) return;
    const account = accountById(item.dataset.accountId);
    if (!account) return;
    if (button.classList.contains('make-active')) makeActive(account, button);
    else if (button.classList.contains('test-connection')) testAccount(account, button);
    else if (button.classList.contains('rename')) openEditDialog(account, button);
    else if (button.classList.contains('remove')) openRemoveDialog(account, button);
  });
}

function makeActive(account, button) {
  const errorArea = $('#account-list-error');
  withBusy(button, async () => {
    clearError(errorArea);
    try {
      await api.setActiveAccount(account.id);
      await ctx.refreshStatus();
      focusAccount(account.id, 'test-connection');
    } catch (err) {
      noteKeychainProblem(err);
      showError(errorArea, err);
    }
  });
}

function testAccount(account, button) {
  withBusy(button, async () => {
    showConnectionOutcome(null);
    const outcome = await ctx.testConnection(account.id);
    showConnectionOutcome(outcome);
  });
}

// ---------------------------------------------------------------- edit (rename / replace secret)

function openEditDialog(account, trigger) {
  editing = account;
  dialogReturnFocus = trigger;
  const dialog = $('#edit-account-dialog');
  const form = $('#edit-account-form');
  form.reset();
  clearFieldErrors(form);
  clearError($('#edit-account-error'));
  $('#edit-account-name').value = account.name || '';
  $('#edit-client-secret').value = '';
  // A practice account has no real secret or servers to change.
  const practice = account.kind === 'practice';
  $('#edit-secret-field').hidden = practice;
  $('#edit-advanced').hidden = practice;
  $('#edit-advanced').open = false;
  $('#edit-v3-base-url').value = account.v3BaseUrl || '';
  $('#edit-v4-base-url').value = account.v4BaseUrl || '';
  dialog.showModal();
  $('#edit-account-name').focus();
  $('#edit-account-name').select();
}

function wireEditDialog() {
  const dialog = $('#edit-account-dialog');
  const form = $('#edit-account-form');
  clearFieldErrorsOnInput(form);
  $('#cancel-edit-account').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    $('#edit-client-secret').value = '';
    editing = null;
    returnFocus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!editing) return;
    const account = editing;
    clearFieldErrors(form);
    const errorArea = $('#edit-account-error');
    clearError(errorArea);
    if (!requireFields([['edit-account-name', 'settings.add.nameRequired']])) return;

    const input = {};
    const name = trimmed('edit-account-name');
    if (name !== account.name) input.name = name;
    const secret = $('#edit-client-secret').value;
    if (secret !== '') input.clientSecret = secret;
    if (account.kind !== 'practice') {
      const v3 = trimmed('edit-v3-base-url');
      const v4 = trimmed('edit-v4-base-url');
      if (v3 && v3 !== account.v3BaseUrl) input.v3BaseUrl = v3;
      if (v4 && v4 !== account.v4BaseUrl) input.v4BaseUrl = v4;
    }
    if (Object.keys(input).length === 0) {
      dialog.close();
      return;
    }

    withBusy($('#save-edit-account'), async () => {
      try {
        await api.updateAccount(account.id, input);
      } catch (err) {
        noteKeychainProblem(err);
        showProblem(err, { fields: EDIT_FIELDS, box: errorArea });
        return;
      }
      $('#edit-client-secret').value = '';
      keychainOverride = null;
      dialogReturnFocus = null;
      dialog.close();
      try {
        await ctx.refreshStatus();
      } catch (err) {
        console.warn('could not refresh after changing an account', err);
      }
      focusAccount(account.id, 'rename');
    });
  });
}

function returnFocus() {
  const target = dialogReturnFocus;
  dialogReturnFocus = null;
  if (target && target.isConnected) target.focus();
}

// ---------------------------------------------------------------- remove

function openRemoveDialog(account, trigger) {
  removing = account;
  dialogReturnFocus = trigger;
  $('#remove-account-text').textContent = t('settings.remove.text', { name: account.name });
  clearError($('#remove-account-error'));
  $('#remove-account-dialog').showModal();
  $('#cancel-remove').focus();
}

function wireRemoveDialog() {
  const dialog = $('#remove-account-dialog');
  $('#cancel-remove').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    removing = null;
    returnFocus();
  });
  const confirm = $('#confirm-remove');
  confirm.addEventListener('click', () => {
    if (!removing) return;
    const account = removing;
    withBusy(confirm, async () => {
      try {
        await api.removeAccount(account.id);
      } catch (err) {
        noteKeychainProblem(err);
        showError($('#remove-account-error'), err);
        return;
      }
      dialogReturnFocus = null;
      dialog.close();
      if (lastOutcome && lastOutcome.ok && lastOutcome.result && lastOutcome.result.accountId === account.id) {
        showConnectionOutcome(null);
      }
      try {
        await ctx.refreshStatus();
      } catch (err) {
        showError($('#account-list-error'), err);
      }
      const first = document.querySelector('#account-list li .test-connection');
      (first || $('#show-add-account')).focus();
    });
  });
}

// ---------------------------------------------------------------- practice mode

function wirePractice() {
  const again = $('#first-steps-again');
  again.addEventListener('click', () =>
    withBusy(again, async () => {
      clearError($('#practice-error'));
      try {
        await firstSteps.showAgain();
        ctx.navigate('send', { focus: true });
      } catch (err) {
        showError($('#practice-error'), err);
      }
    }),
  );
  const button = $('#use-practice');
  button.addEventListener('click', () =>
    withBusy(button, async () => {
      const errorArea = $('#practice-error');
      const note = $('#practice-note');
      clearError(errorArea);
      note.textContent = '';
      try {
        await api.startPracticeMode();
        await ctx.refreshStatus();
        note.textContent = t('settings.practice.on');
      } catch (err) {
        showError(errorArea, err);
      }
    }),
  );
}

// ---------------------------------------------------------------- preferences

let saving = Promise.resolve();

/**
 * Saves `changes` over the preferences as they are (Rust checks every field). One save at a
 * time: each starts from what the one before saved, so two quick changes both stay.
 */
export function savePreferences(changes) {
  const next = saving.then(() => saveNow(changes));
  saving = next.catch(() => {});
  return next;
}

async function saveNow(changes) {
  const errorArea = $('#preferences-error');
  const saved = $('#preferences-saved');
  clearError(errorArea);
  saved.textContent = '';
  const prefs = { ...preferences(), ...changes };
  const next = await api.setPreferences({
    ...prefs,
    languageChosen: Boolean(prefs.languageChosen),
    checkUpdates: prefs.checkUpdates !== false,
  });
  const result = next && typeof next === 'object' ? next : prefs;
  setPreferencesInState(result);
  return result;
}

// ---------------------------------------------------------------- Today and notifications

const TODAY_FIELDS = { todayPerMinute: 'pref-today-budget', claimsThreshold: 'pref-claims-threshold' };

/** Saves one change of the Today card; the answer (or the problem) shows under the card. */
async function saveTodaySetting(changes) {
  const box = $('#today-settings-error');
  clearError(box);
  $('#today-settings-saved').textContent = '';
  try {
    await savePreferences(changes);
    $('#today-settings-saved').textContent = t('settings.prefs.saved');
  } catch (err) {
    showProblem(err, { fields: TODAY_FIELDS, box });
    renderTodaySettings(true);
  }
}

/** A whole number typed in a number field, or null. */
function wholeNumber(value) {
  const text = String(value).trim();
  return /^\d{1,7}$/.test(text) ? Number(text) : null;
}

function wireTodaySettings() {
  $('#pref-start-screen').addEventListener('change', (event) => saveTodaySetting({ startScreen: event.target.value }));
  for (const [id, key] of [['#pref-notify-jobs', 'notifyJobs'], ['#pref-notify-other-desk', 'notifyOtherDesk'], ['#pref-keep-in-tray', 'keepInTray']]) {
    $(id).addEventListener('change', (event) => saveTodaySetting({ [key]: event.target.checked }));
  }
  for (const [key, id, invalid] of [['todayPerMinute', 'pref-today-budget', 'settings.today.invalidBudget'], ['claimsThreshold', 'pref-claims-threshold', 'settings.today.invalidClaims']]) {
    const input = $(`#${id}`);
    const save = debounce(() => {
      const n = wholeNumber(input.value);
      if (n === null) {
        showFieldError(id, { message: t(invalid) });
        return;
      }
      clearFieldErrors(input.closest('.field'));
      if (n !== Number(preferences()[key])) saveTodaySetting({ [key]: n });
    }, 500);
    input.addEventListener('input', save);
    input.addEventListener('change', save);
  }
}

/** The Today card from the saved preferences; `force` also rewrites a field being typed in. */
function renderTodaySettings(force = false) {
  const prefs = preferences();
  const set = (id, apply) => {
    const el = $(id);
    if (force || document.activeElement !== el) apply(el);
  };
  set('#pref-start-screen', (el) => { el.value = prefs.startScreen || 'today'; });
  set('#pref-today-budget', (el) => { if (el.getAttribute('aria-invalid') !== 'true') el.value = String(prefs.todayPerMinute ?? 60); });
  set('#pref-claims-threshold', (el) => { if (el.getAttribute('aria-invalid') !== 'true') el.value = String(prefs.claimsThreshold ?? 0); });
  $('#pref-notify-jobs').checked = prefs.notifyJobs !== false;
  $('#pref-notify-other-desk').checked = prefs.notifyOtherDesk !== false;
  $('#pref-keep-in-tray').checked = prefs.keepInTray === true;
  const tray = Boolean(state.status && state.status.tray);
  $('#pref-tray-row').hidden = !tray;
  $('#pref-no-tray').hidden = tray;
}

function wirePreferences() {
  const language = $('#language');
  language.addEventListener('change', async () => {
    const chosen = normaliseLanguage(language.value);
    language.disabled = true;
    try {
      const prefs = await savePreferences({ language: chosen, languageChosen: true });
      setLanguage(prefs.language || chosen);
      $('#preferences-saved').textContent = t('settings.prefs.saved');
    } catch (err) {
      language.value = preferredLanguage(preferences());
      showError($('#preferences-error'), err);
    } finally {
      language.disabled = false;
      language.focus();
    }
  });

  const input = $('#pref-bulk-concurrency');
  const saveConcurrency = debounce(async () => {
    const n = parseConcurrency(input.value);
    if (n === null) {
      showFieldError('pref-bulk-concurrency', { message: t('settings.prefs.concurrencyInvalid') });
      return;
    }
    if (n === parseConcurrency(preferences().bulkConcurrency)) return;
    try {
      await savePreferences({ bulkConcurrency: n });
      forgetJobConcurrency();
      $('#preferences-saved').textContent = t('settings.prefs.saved');
    } catch (err) {
      showProblem(err, { fields: { concurrency: 'pref-bulk-concurrency' }, box: $('#preferences-error') });
    }
  }, 400);
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true' && parseConcurrency(input.value) !== null) {
      clearFieldErrors(input.closest('.field'));
    }
    saveConcurrency();
  });
  input.addEventListener('change', saveConcurrency);
}

