// Settings → About: version and licence, the data and log folders, updates (check, install and
// restart, the quiet check at start) and the licences of the bundled packages. Part of the
// Settings screen; the banner that announces an update found at start lives here too.

import * as api from '../api.js';
import { $, h, clear, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError } from '../errors.js';
import { formatDateTime } from '../format.js';

let info = null;
let lastResult = null; // { kind: 'upToDate'|'available'|'waiting', ... } re-worded on a language change
let licencesLoaded = false;
let pendingOffer = null; // found by the quiet check at start, announced in the banner
let savePreferences = null;
let navigate = null;

/** `save(changes)` stores preferences (the Settings screen owns them); `go(screen, options)` navigates. */
export function init({ save, go }) {
  savePreferences = save;
  navigate = go;
  $('#open-data-dir').addEventListener('click', (e) => openFolder('data', e.currentTarget));
  $('#open-log-dir').addEventListener('click', (e) => openFolder('logs', e.currentTarget));
  $('#check-updates').addEventListener('click', (e) => checkNow(e.currentTarget));
  $('#save-support-file').addEventListener('click', (e) => saveSupportFile(e.currentTarget));
  $('#install-update').addEventListener('click', (e) => install(e.currentTarget));
  $('#pref-check-updates').addEventListener('change', saveAutoCheck);
  $('#about-licences').addEventListener('toggle', () => {
    if ($('#about-licences').open) loadLicences();
  });
  $('#update-banner-close').addEventListener('click', () => {
    $('#update-banner').hidden = true;
  });
  $('#update-banner-open').addEventListener('click', () => {
    $('#update-banner').hidden = true;
    navigate('settings');
    $('#about-card').scrollIntoView({ block: 'start' });
    const target = $('#install-update');
    if (!target.closest('[hidden]')) target.focus();
    else $('#check-updates').focus();
  });
  onLanguageChange(() => {
    render();
    renderResult();
    if (licencesLoaded) {
      $('#about-licences-summary').textContent = t('about.licences.titleCount', { count: $('#licences-body').rows.length });
    }
    if (pendingOffer) $('#update-banner-text').textContent = t('update.banner.text', { version: pendingOffer.version });
  });
}

/** Called each time the Settings screen is shown. */
export async function show() {
  try {
    info = await api.aboutInfo();
  } catch (err) {
    showError($('#about-folder-error'), err);
    return;
  }
  if (info.waitingUpdate && !lastResult) lastResult = { kind: 'waiting', offer: info.waitingUpdate };
  render();
  renderResult();
}

function render() {
  if (!info) return;
  $('#about-version').textContent = t('about.version', { version: info.version });
  $('#about-licence').textContent = t('about.licence', { licence: info.licence });
  $('#about-data-dir').textContent = info.dataDir;
  $('#about-log-dir').textContent = info.logDir;
  const auto = $('#pref-check-updates');
  if (document.activeElement !== auto) auto.checked = info.checkUpdates !== false;
  $('#about-last-check').textContent = info.lastUpdateCheck
    ? t('about.updates.lastCheck', { when: formatDateTime(info.lastUpdateCheck) })
    : t('about.updates.never');
}

function openFolder(which, button) {
  withBusy(button, async () => {
    clearError($('#about-folder-error'));
    try {
      await api.openAppFolder(which);
    } catch (err) {
      showError($('#about-folder-error'), err);
    }
  });
}

function saveSupportFile(button) {
  withBusy(button, async () => {
    clearError($('#support-file-error'));
    $('#support-file-result').textContent = '';
    try {
      const saved = await api.saveSupportFile();
      $('#support-file-result').textContent = t('support.saved', { path: saved.path });
    } catch (err) {
      showError($('#support-file-error'), err);
    }
  });
}

async function saveAutoCheck() {
  const box = $('#update-error');
  clearError(box);
  const on = $('#pref-check-updates').checked;
  try {
    await savePreferences({ checkUpdates: on });
    if (info) info.checkUpdates = on;
    $('#update-result').textContent = t(on ? 'about.updates.autoOn' : 'about.updates.autoOff');
  } catch (err) {
    $('#pref-check-updates').checked = !on;
    showError(box, err);
  }
}

function checkNow(button) {
  withBusy(button, async () => {
    clearError($('#update-error'));
    lastResult = null;
    renderResult();
    $('#update-result').textContent = t('about.updates.checking');
    try {
      const outcome = await api.checkForUpdate();
      lastResult = outcome.status === 'available'
        ? { kind: 'available', offer: outcome.offer }
        : { kind: 'upToDate', version: outcome.currentVersion };
    } catch (err) {
      $('#update-result').textContent = '';
      showError($('#update-error'), err);
    }
    renderResult();
    await refreshInfo();
  });
}

async function refreshInfo() {
  try {
    info = await api.aboutInfo();
    render();
  } catch (err) {
    console.warn('could not refresh the About section', err);
  }
}

function install(button) {
  withBusy(button, async () => {
    clearError($('#update-error'));
    $('#update-result').textContent = t('about.updates.installing');
    try {
      const outcome = await api.installUpdate();
      // "restarting": the app is about to close and open again as the new version.
      lastResult = outcome.status === 'waiting'
        ? { kind: 'waiting', offer: outcome.offer }
        : { kind: 'restarting', offer: outcome.offer };
    } catch (err) {
      $('#update-result').textContent = '';
      showError($('#update-error'), err);
      return;
    }
    renderResult();
  });
}

function renderResult() {
  const result = $('#update-result');
  const offerBox = $('#update-offer');
  if (!lastResult) {
    offerBox.hidden = true;
    return;
  }
  const r = lastResult;
  offerBox.hidden = r.kind !== 'available';
  if (r.kind === 'upToDate') {
    result.textContent = t('about.updates.upToDate', { version: r.version });
  } else if (r.kind === 'available') {
    result.textContent = '';
    $('#update-offer-text').textContent = t('about.updates.found', {
      version: r.offer.version,
      current: r.offer.currentVersion,
    });
    const notes = r.offer.notes || t('about.updates.noNotes');
    $('#update-notes').textContent = notes;
  } else if (r.kind === 'waiting') {
    result.textContent = t('about.updates.waiting', { version: r.offer.version });
  } else if (r.kind === 'restarting') {
    result.textContent = t('about.updates.restarting', { version: r.offer.version });
  }
}

async function loadLicences() {
  if (licencesLoaded) return;
  const body = $('#licences-body');
  let list;
  try {
    list = await api.dependencyLicences();
  } catch (err) {
    showError($('#about-folder-error'), err);
    return;
  }
  licencesLoaded = true;
  clear(body);
  for (const dep of list) {
    body.append(
      h('tr', {},
        h('td', {}, dep.name),
        h('td', {}, dep.version),
        h('td', {}, dep.licence || t('about.licences.fileOnly')),
      ),
    );
  }
  $('#about-licences-summary').textContent = t('about.licences.titleCount', { count: list.length });
}

/** After start: if the quiet check found a new version, say so in a banner (never more). */
export async function announcePendingUpdate() {
  let offer;
  try {
    offer = await api.pendingUpdate();
  } catch (err) {
    console.warn('could not ask for a pending update', err);
    return;
  }
  if (!offer) return;
  pendingOffer = offer;
  lastResult = { kind: 'available', offer };
  renderResult();
  $('#update-banner-text').textContent = t('update.banner.text', { version: offer.version });
  $('#update-banner').hidden = false;
}
