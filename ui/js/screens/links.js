// Single-use links: make one for a customer (link, codes, QR, Copy / Open / Save QR), make many
// as a job (a table of every link, CSV, ZIP of QR codes), remove a pasted list of links.

import * as api from '../api.js';
import { $, h, clear, withBusy, safeImage } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput, showFieldError } from '../errors.js';
import { loadCampaigns, fillCampaignSelect, showLoadingCampaigns, fillCategorySelect, campaignName } from '../campaign-picker.js';
import { activeAccount, subscribe } from '../state.js';
import { formatNumber } from '../format.js';
import { JobPanel } from '../job-panel.js';
import { copyText } from '../clipboard.js';
import { couponPaper, LinkSheet } from '../paper.js';

const ONE_FIELDS = {
  campaign: 'links-campaign',
  firstName: 'link-first-name',
  lastName: 'link-last-name',
  email: 'link-email',
  phone: 'link-phone',
  customId: 'link-custom-id',
  customValidationCode: 'link-custom-code',
};
const MANY_FIELDS = {
  campaign: 'links-campaign',
  amount: 'links-amount',
  status: 'links-status',
  codePrefix: 'links-prefix',
  codeLength: 'links-length',
  codeType: 'links-code-type',
};
const CREATE_COLUMNS = [
  { key: 'row', label: 'links.col.number', cls: 'num' },
  { key: 'url', label: 'links.col.url', cls: 'url' },
  { key: 'widgetValidationCode', label: 'links.col.widget' },
  { key: 'customValidationCode', label: 'links.col.custom' },
];
const REMOVE_COLUMNS = [
  { key: 'row', label: 'bulk.col.row', cls: 'num' },
  { key: 'code', label: 'links.col.code' },
  { key: 'status', label: 'bulk.col.status', words: 'removeStatus' },
  { key: 'message', label: 'bulk.col.message' },
];
const MAX_QR_ZIP = 5000;

let campaigns = [];
let loadedFor = null;
let lastLink = null;
let checked = []; // the last look-up of links to remove
let panel = null;
let mode = null; // 'create' | 'remove'
let sheet = null; // "Print the links on paper"
let linkPaper = null; // "Print coupon (PDF)" of the one link

export function init() {
  panel = new JobPanel({ prefix: 'links', root: 'links-job', summary, onSettled, stateWords: 'links.jobState' });
  sheet = new LinkSheet($('#links-sheet'), { jobId: () => panel.job && panel.job.id, defaultTitle: chosenName });
  $('#links-print-sheet').addEventListener('click', () => sheet.open());
  linkPaper = couponPaper($('#link-paper'), () => (lastLink && lastLink.url
    ? { campaign: lastLink.campaignName || '', url: lastLink.url, code: lastLink.widgetValidationCode || '', validUntil: '' }
    : null));
  clearFieldErrorsOnInput($('#link-one-form'));
  clearFieldErrorsOnInput($('#links-many-form'));
  $('#link-one-form').addEventListener('submit', (event) => {
    event.preventDefault();
    makeOne();
  });
  $('#links-many-form').addEventListener('submit', (event) => {
    event.preventDefault();
    makeMany();
  });
  $('#links-remove-form').addEventListener('submit', (event) => {
    event.preventDefault();
    checkRemovals();
  });
  $('#links-remove-button').addEventListener('click', removeChecked);
  $('#links-remove-list').addEventListener('input', () => {
    checked = [];
    $('#links-remove-checks').hidden = true;
    $('#links-remove-button').hidden = true;
  });
  $('#links-automated').addEventListener('change', () => {
    $('#links-automated-fields').hidden = !$('#links-automated').checked;
  });
  $('#links-campaign-search').addEventListener('input', renderCampaigns);
  $('#links-category').addEventListener('change', () => refreshCampaigns());
  $('#links-campaign-search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      $('#links-campaign').focus();
    }
  });
  $('#link-copy').addEventListener('click', () => copyLink());
  $('#link-open').addEventListener('click', openLink);
  $('#link-save-png').addEventListener('click', (event) => saveQr('png', event.currentTarget));
  $('#link-save-svg').addEventListener('click', (event) => saveQr('svg', event.currentTarget));
  $('#links-copy-all').addEventListener('click', (event) => copyAll(event.currentTarget));
  $('#links-export-qr').addEventListener('click', (event) => exportQrZip(event.currentTarget));
  subscribe(() => {
    if (loadedFor !== null && loadedFor !== accountId()) {
      loadedFor = null;
      $('#link-result').hidden = true;
    }
  });
  onLanguageChange(() => {
    renderCampaigns();
    if (mode) panel.setColumns(mode === 'create' ? CREATE_COLUMNS : REMOVE_COLUMNS);
    if (checked.length) renderChecks();
  });
}

export function show(options = {}) {
  // The first steps card asks for ten links.
  if (Number.isInteger(options.manyAmount)) $('#links-amount').value = String(options.manyAmount);
  fillCategorySelect($('#links-category'));
  if (loadedFor !== accountId()) refreshCampaigns();
  resumeOffer();
}

function accountId() {
  const account = activeAccount();
  return account ? account.id : '';
}

async function refreshCampaigns() {
  const select = $('#links-campaign');
  const errorArea = $('#links-campaign-error');
  clearError(errorArea);
  showLoadingCampaigns(select);
  select.disabled = true;
  try {
    campaigns = await loadCampaigns(true, { category: $('#links-category').value });
    loadedFor = accountId();
    renderCampaigns();
  } catch (err) {
    campaigns = [];
    renderCampaigns();
    showError(errorArea, err, { retry: refreshCampaigns });
  } finally {
    select.disabled = false;
  }
}

function renderCampaigns() {
  fillCampaignSelect($('#links-campaign'), campaigns, $('#links-campaign-search').value);
}

function chosenName() {
  return campaignName(campaigns, $('#links-campaign').value);
}

function campaign() {
  const value = $('#links-campaign').value;
  if (!value) showFieldError('links-campaign', { message: t('send.chooseCampaign') });
  return value;
}

// ------------------------------------------------------------------ one link

function makeOne() {
  const form = $('#link-one-form');
  const errorArea = $('#link-one-error');
  clearFieldErrors(form);
  clearError(errorArea);
  const chosen = campaign();
  if (!chosen) return;
  const input = {
    campaign: chosen,
    firstName: $('#link-first-name').value.trim(),
    lastName: $('#link-last-name').value.trim(),
    email: $('#link-email').value.trim(),
    phone: $('#link-phone').value.trim(),
    customId: $('#link-custom-id').value.trim(),
    customValidationCode: $('#link-custom-code').value.trim(),
    duplicateCheck: $('#link-duplicate-check').checked,
  };
  withBusy($('#link-one-button'), async () => {
    $('#link-result').hidden = true;
    try {
      const result = await api.createSingleUseLink(input);
      renderLink({ ...(result || {}), campaignName: chosenName() });
      for (const id of ['link-first-name', 'link-last-name', 'link-email', 'link-phone', 'link-custom-id', 'link-custom-code']) $(`#${id}`).value = '';
    } catch (err) {
      showProblem(err, { fields: ONE_FIELDS, box: errorArea });
    }
  });
}

function renderLink(result) {
  lastLink = result;
  const url = typeof result.url === 'string' ? result.url : '';
  $('#link-result-url').textContent = url;
  $('#link-result-widget').textContent = result.widgetValidationCode || '—';
  $('#link-result-custom').textContent = result.customValidationCode || '—';
  $('#link-result-confirmed').hidden = !result.confirmedAfterInterruption;
  for (const id of ['link-copy', 'link-open', 'link-save-png', 'link-save-svg']) $(`#${id}`).disabled = !url;
  const img = $('#link-result-qr');
  const qr = safeImage(result.qrDataUrl);
  if (qr) img.src = qr;
  else img.removeAttribute('src');
  img.closest('figure').hidden = !qr;
  $('#link-feedback').textContent = '';
  linkPaper.reset();
  clearError($('#link-result-error'));
  $('#link-result').hidden = false;
  $('#links-announce').textContent = t('links.result.announce');
  $('#link-result-title').focus();
}

async function copyLink() {
  if (!lastLink || !lastLink.url) return;
  const ok = await copyText(lastLink.url);
  $('#link-feedback').textContent = t(ok ? 'send.result.copied' : 'send.result.copyFailed');
}

function openLink() {
  if (!lastLink || !lastLink.url) return;
  withBusy($('#link-open'), async () => {
    clearError($('#link-result-error'));
    try {
      await api.openUrl(lastLink.url);
    } catch (err) {
      showError($('#link-result-error'), err);
    }
  });
}

function saveQr(format, button) {
  if (!lastLink || !lastLink.url) return;
  withBusy(button, async () => {
    clearError($('#link-result-error'));
    try {
      const saved = await api.saveLinkQr(lastLink.url, format);
      $('#link-feedback').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError($('#link-result-error'), err);
    }
  });
}

// ------------------------------------------------------------------ many links

function makeMany() {
  const form = $('#links-many-form');
  const errorArea = $('#links-many-error');
  clearFieldErrors(form);
  clearError(errorArea);
  const chosen = campaign();
  if (!chosen) return;
  const input = {
    campaign: chosen,
    amount: $('#links-amount').value,
    status: $('#links-status').value,
    automatedCodes: $('#links-automated').checked,
    codePrefix: $('#links-prefix').value,
    codeLength: Number($('#links-length').value) || 0,
    codeType: $('#links-code-type').value,
  };
  withBusy($('#links-many-button'), async () => {
    startMode('create');
    try {
      const started = await api.startLinksJob(input, panel.channel());
      panel.started(started.jobId);
    } catch (err) {
      panel.expecting = false;
      showProblem(err, { fields: MANY_FIELDS, box: errorArea });
    }
  });
}

function startMode(next) {
  mode = next;
  panel.setColumns(next === 'create' ? CREATE_COLUMNS : REMOVE_COLUMNS);
  $('#links-copy-all').hidden = next !== 'create';
  $('#links-export-qr').hidden = next !== 'create';
  $('#links-print-sheet').hidden = next !== 'create';
  sheet.hide();
}

function summary(message) {
  const n = (v) => formatNumber(Number(v) || 0);
  if (mode === 'create') return t('links.job.made', { made: n(message.items), chunks: n(Number(message.total) - Number(message.remaining)), total: n(message.total) });
  return t('links.job.removed', { removed: n(message.sent), failed: n(message.failed), unknown: n(message.unknown), remaining: n(message.remaining) });
}

function onSettled(message) {
  $('#links-job-title').textContent = t(message.state === 'finished' ? 'links.job.done' : 'links.job.title');
  $('#links-export-qr').disabled = mode !== 'create' || Number(message.items) > MAX_QR_ZIP;
}

async function copyAll(button) {
  if (!panel.job) return;
  withBusy(button, async () => {
    clearError($('#links-job-error'));
    try {
      const rows = await panel.allRows();
      const ok = await copyText(rows.map((r) => r.url).filter(Boolean).join('\n'));
      $('#links-export-path').textContent = t(ok ? 'links.copiedAll' : 'send.result.copyFailed', { count: formatNumber(rows.length) });
    } catch (err) {
      showError($('#links-job-error'), err);
    }
  });
}

function exportQrZip(button) {
  if (!panel.job) return;
  withBusy(button, async () => {
    clearError($('#links-job-error'));
    try {
      const saved = await api.exportLinksQrZip(panel.job.id);
      $('#links-export-path').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError($('#links-job-error'), err);
    }
  });
}

// ------------------------------------------------------------------ remove links

function checkRemovals() {
  const errorArea = $('#links-remove-error');
  clearError(errorArea);
  clearFieldErrors($('#links-remove-form'));
  withBusy($('#links-check-button'), async () => {
    try {
      checked = await api.checkLinksToRemove($('#links-remove-list').value);
      renderChecks();
    } catch (err) {
      showProblem(err, { fields: { removeList: 'links-remove-list' }, box: errorArea });
    }
  });
}

function renderChecks() {
  const list = $('#links-remove-items');
  clear(list);
  for (const item of checked) {
    const state = ['active', 'used', 'voided', 'not_found', 'invalid', 'duplicate', 'unchecked'].includes(item.state) ? item.state : 'unchecked';
    list.append(
      h('li', { class: `check-${state}` },
        h('span', { class: 'num' }, String(item.line)),
        h('span', { class: `status status-${item.removable ? 'sent' : 'unknown'}` }, t(`links.state.${state}`)),
        h('span', { class: 'check-text', title: item.message || item.text }, item.code ? `${item.code}${item.campaign ? ` · ${item.campaign}` : ''}${item.message ? ` — ${item.message}` : ''}` : `${item.text} — ${item.message || ''}`),
      ),
    );
  }
  const removable = checked.filter((c) => c.removable).length;
  $('#links-remove-summary').textContent = t('links.remove.summary', { removable: formatNumber(removable), total: formatNumber(checked.length) });
  $('#links-remove-checks').hidden = false;
  const button = $('#links-remove-button');
  button.hidden = removable === 0;
  button.textContent = t('links.remove.confirm', { count: formatNumber(removable) });
  if (removable > 0) button.focus();
}

function removeChecked() {
  const links = checked.filter((c) => c.removable).map((c) => ({ code: c.code, campaign: c.campaign }));
  if (!links.length) return;
  const errorArea = $('#links-remove-error');
  withBusy($('#links-remove-button'), async () => {
    startMode('remove');
    try {
      const started = await api.startRemovalJob(links, panel.channel());
      panel.started(started.jobId);
      checked = [];
      $('#links-remove-checks').hidden = true;
      $('#links-remove-button').hidden = true;
      $('#links-remove-list').value = '';
    } catch (err) {
      panel.expecting = false;
      showError(errorArea, err);
    }
  });
}

// ------------------------------------------------------------------ resuming

let offered = false;

async function resumeOffer() {
  if (offered || panel.job) return;
  offered = true;
  for (const kind of ['single_use_create', 'single_use_remove']) {
    let jobs = [];
    try {
      jobs = await api.unfinishedJobs(kind);
    } catch {
      return;
    }
    if (jobs.length) {
      const job = jobs[0];
      startMode(kind === 'single_use_create' ? 'create' : 'remove');
      panel.attach(job.jobId, { state: 'paused' });
      panel.onProgress({ jobId: job.jobId, state: 'paused', total: job.total, remaining: job.total - job.done, items: 0, sent: 0, failed: 0, unknown: 0, pauseReason: job.pauseReason || { message: t('links.job.interrupted'), hint: t('links.job.interruptedHint') } });
      return;
    }
  }
}
