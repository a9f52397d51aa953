// Boot, router and status area. Screens get a small context object instead of importing this
// module, so there are no import cycles.

import * as api from './api.js';
import { setLanguage, t, onLanguageChange, preferredLanguage, setSystemLanguages } from './i18n.js';
import { $, $$, withBusy } from './dom.js';
import { showError, clearError } from './errors.js';
import { state, setStatus, setConnection, subscribe, activeAccount, accounts, preferences } from './state.js';
import * as welcome from './screens/welcome.js';
import * as redeem from './screens/redeem.js';
import * as send from './screens/send.js';
import * as bulk from './screens/bulk.js';
import * as campaignsScreen from './screens/campaigns.js';
import * as links from './screens/links.js';
import * as loyalty from './screens/loyalty.js';
import * as directoriesScreen from './screens/directories.js';
import * as subaccounts from './screens/subaccounts.js';
import * as history from './screens/history.js';
import * as settings from './screens/settings.js';
import * as firstSteps from './screens/first-steps.js';
import * as coupon from './screens/coupon.js';
import * as today from './screens/today.js';
import { loadScreenMarkup } from './screen-markup.js';

const SCREENS = { welcome, today, redeem, coupon, send, bulk, campaigns: campaignsScreen, links, loyalty, directories: directoriesScreen, subaccounts, history, settings };
const NEEDS_ACCOUNT = new Set(['today', 'redeem', 'coupon', 'send', 'bulk', 'campaigns', 'links', 'loyalty', 'directories', 'subaccounts', 'history']);
const LAST_SCREEN_KEY = 'coupon-desk.last-screen';

let currentScreen = null;
let lastConnectionError = null;

function canShow(screen) {
  if (!Object.prototype.hasOwnProperty.call(SCREENS, screen)) return false;
  return !NEEDS_ACCOUNT.has(screen) || Boolean(activeAccount());
}

function rememberScreen(screen) {
  try {
    if (screen !== 'welcome') localStorage.setItem(LAST_SCREEN_KEY, screen);
  } catch {
    // Storage can be unavailable; forgetting the last screen is harmless.
  }
}

function lastScreen() {
  try {
    return localStorage.getItem(LAST_SCREEN_KEY);
  } catch {
    return null;
  }
}

/**
 * Show one screen. `options.focus` moves keyboard focus to its heading (after a user's
 * navigation, so screen readers announce the new screen); other options go to the screen.
 */
function navigate(screen, options = {}) {
  const target = canShow(screen) ? screen : 'settings';
  const previous = currentScreen;
  currentScreen = target;
  for (const name of Object.keys(SCREENS)) {
    const section = document.getElementById(name);
    if (section) section.hidden = name !== target;
  }
  for (const link of $$('#sidebar a[data-screen]')) {
    if (link.dataset.screen === target) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  rememberScreen(target);
  if (previous !== target) {
    const main = $('#main');
    if (main) main.scrollTop = 0;
  }
  const module = SCREENS[target];
  if (module && typeof module.show === 'function') {
    Promise.resolve(module.show(options)).catch((err) => console.error(`showing ${target} failed`, err));
  }
  // A screen that keeps its own focus (the counter's scan input) is left to it.
  if (options.focus && !(module && module.ownsFocus)) {
    const heading = document.getElementById(`${target}-title`);
    if (heading) heading.focus();
  }
}

/** The screen the app opens on, as chosen in Settings (Today unless told otherwise). */
function startScreen(choice) {
  if (!activeAccount()) return 'settings';
  if (choice === 'redeem') return 'redeem';
  if (choice === 'last') {
    const last = lastScreen();
    if (last && last !== 'welcome' && canShow(last)) return last;
  }
  return 'today';
}

/**
 * What Rust tells the window without being asked: a clicked notification or the tray's menu
 * opens a screen (with the coupon at the counter), Today's reader has new figures.
 */
function listenToDesk() {
  try {
    const channel = api.progressChannel((event) => {
      if (!event || typeof event !== 'object') return;
      if (event.type === 'open' && typeof event.screen === 'string') {
        openFromDesk(event).catch((err) => console.error('opening from a notice', err));
      } else if (event.type === 'todayChanged') {
        today.changed(event.account);
      }
    });
    const midnight = midnightOf(Date.now());
    api.call('listen_to_desk', { onEvent: channel, dayStartMs: midnight })
      .catch((err) => console.error('desk events', err));
    keepTellingMidnight(midnight);
  } catch (err) {
    console.error('desk events', err);
  }
}

/** The local midnight that starts the day of `ms`. */
function midnightOf(ms) {
  const day = new Date(ms);
  day.setHours(0, 0, 0, 0);
  return day.getTime();
}

/**
 * Today's readers count the day from the window's midnight and move it on by 24 hours; a clock
 * change (a 23- or 25-hour day), another time zone or a computer woken from sleep moves the real
 * one, so the window looks once a minute and tells a changed midnight.
 */
function keepTellingMidnight(told) {
  let last = told;
  setInterval(() => {
    const midnight = midnightOf(Date.now());
    if (midnight === last) return;
    last = midnight;
    api.tellMidnight(midnight).catch((err) => console.error('telling midnight', err));
  }, 60_000);
}

/** A clicked notice or the tray's menu: its account first (a notice may be another's), then its screen. */
async function openFromDesk(event) {
  const account = activeAccount();
  if (typeof event.account === 'string' && (!account || account.id !== event.account)
      && accounts().some((a) => a.id === event.account)) {
    await api.setActiveAccount(event.account);
    await refreshStatus();
  }
  const options = { focus: true };
  if (typeof event.code === 'string') options.scan = event.code;
  navigate(event.screen, options);
}

async function refreshStatus() {
  const status = await api.appStatus();
  setStatus(status);
  return status;
}

/**
 * Test an account's connection. Updates the status area when it is the active account, and
 * hands the outcome back so the caller can show it. Never rejects: returns `{ ok, result|error }`.
 */
async function testConnection(id) {
  try {
    const result = await api.testConnection(id);
    if (activeAccount() && activeAccount().id === id) {
      lastConnectionError = null;
      setConnection('ok');
    }
    return { ok: true, result };
  } catch (error) {
    if (activeAccount() && activeAccount().id === id) {
      lastConnectionError = error;
      setConnection('error');
    }
    return { ok: false, error };
  }
}

const ctx = {
  navigate,
  refreshStatus,
  testConnection,
  currentScreen: () => currentScreen,
  savePreferences: (changes) => settings.savePreferences(changes),
};

function renderStatusArea() {
  const account = activeAccount();
  $('#active-account-name').textContent = account ? account.name : t('status.noAccount');
  $('#practice-badge').hidden = !(account && account.kind === 'practice');

  const indicator = $('#connection-state');
  const value = account ? state.connection : 'unknown';
  indicator.dataset.state = value;
  indicator.classList.remove('unknown', 'ok', 'error');
  indicator.classList.add(value);
  indicator.textContent = t(`status.connection.${value}`);
  // With no account there is nothing to be connected to; the indicator would only confuse.
  indicator.hidden = !account;
  if (value === 'error' && lastConnectionError) indicator.title = lastConnectionError.message;
  else indicator.removeAttribute('title');
  $('#check-connection').hidden = !account;

  for (const item of $$('#sidebar [data-needs-account]')) item.hidden = !account;
  // Losing the last account (or the active one) must not leave a screen that needs one open.
  if (currentScreen && !canShow(currentScreen)) navigate('settings');
}

/**
 * Ctrl+1 (⌘1) opens Today and Ctrl+2 (⌘2) the counter, from anywhere. By the key's place, not its
 * character: on a French keyboard the key of 1 types "&" without Shift.
 */
const SHORTCUTS = { Digit1: 'today', Numpad1: 'today', Digit2: 'redeem', Numpad2: 'redeem' };

function wireSidebar() {
  for (const link of $$('#sidebar a[data-screen]')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      navigate(link.dataset.screen, { focus: true });
    });
  }
  for (const [key, screen] of [['1', 'today'], ['2', 'redeem']]) {
    const link = $(`#sidebar a[data-screen='${screen}']`);
    if (link) link.setAttribute('aria-keyshortcuts', `Control+${key} Meta+${key}`);
  }
  document.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.repeat || event.isComposing) return;
    const screen = SHORTCUTS[event.code];
    // A dialog that is open keeps the keyboard.
    if (!screen || !canShow(screen) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    navigate(screen, { focus: true });
  });
}

/** "Skip to main content": past the sidebar and the status bar, straight into the screen. */
function wireSkipLink() {
  const link = $('#skip-link');
  if (!link) return;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const main = $('#main');
    if (!main) return;
    main.focus();
    main.scrollTop = 0;
  });
}

function wireStatusArea() {
  const button = $('#check-connection');
  button.addEventListener('click', () =>
    withBusy(button, async () => {
      const account = activeAccount();
      if (!account) return;
      const outcome = await testConnection(account.id);
      settings.showConnectionOutcome(outcome);
    }),
  );
}

function showBootError(err) {
  for (const name of Object.keys(SCREENS)) document.getElementById(name).hidden = true;
  const box = $('#app-error');
  showError(box, err, {
    retry: () => {
      clearError(box);
      boot();
    },
  });
}

async function tellRustTheLanguage(lang) {
  try {
    await api.setUiLanguage(lang);
  } catch (err) {
    // Messages from Rust stay in the previous language; the screen itself is still translated.
    console.error('could not tell the app the language', err);
  }
}

async function boot() {
  let status;
  try {
    status = await refreshStatus();
  } catch (err) {
    showBootError(err);
    document.body.dataset.ready = 'true';
    return;
  }
  // Until a language is saved in Settings, follow the computer's language (if we have it).
  // Rust words its messages in the same language, so it is told before the first screen.
  setSystemLanguages(status.systemLanguages);
  onLanguageChange(tellRustTheLanguage);
  await tellRustTheLanguage(setLanguage(preferredLanguage(preferences())));
  const firstStart = Boolean(status.firstStart) || accounts().length === 0;
  if (firstStart) {
    navigate('welcome');
  } else {
    navigate(startScreen(preferences().startScreen));
  }
  if (activeAccount()) bulk.checkUnfinishedJobs();
  // An update found by the quiet check at start is announced once, in a banner.
  settings.announcePendingUpdate();
  // Marks the first screen as drawn (end-to-end tests wait for it).
  document.body.dataset.ready = 'true';
}

async function start() {
  try {
    await loadScreenMarkup(Object.keys(SCREENS));
  } catch (err) {
    // Only a broken installation gets here: the files are part of the app.
    console.error('could not load the screens', err);
    $('#app-error').textContent = String(err);
    $('#app-error').hidden = false;
    document.body.dataset.ready = 'true';
    return;
  }
  wireSkipLink();
  wireSidebar();
  wireStatusArea();
  for (const module of Object.values(SCREENS)) {
    if (typeof module.init === 'function') module.init(ctx);
  }
  firstSteps.init(ctx);
  listenToDesk();
  subscribe(renderStatusArea);
  onLanguageChange(renderStatusArea);
  renderStatusArea();
  boot();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
