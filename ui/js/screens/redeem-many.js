// Mark many as used, on the Redeem screen: a stack of scanned or pasted codes is looked up
// first, each with its state; confirmed once, the valid ones are marked as a job of the bulk
// engine, with one row per code in the job panel and its results as a file.

import * as api from '../api.js';
import { $, h, clear, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors } from '../errors.js';
import { formatDateTime, formatNumber } from '../format.js';
import { loadCampaigns } from '../campaign-picker.js';
import { JobPanel } from '../job-panel.js';

const STATES = new Set(['valid', 'used', 'voided', 'expired', 'locked', 'not_found', 'ambiguous', 'duplicate', 'unchecked']);
const COLUMNS = [
  { key: 'row', label: 'bulk.col.row', cls: 'num' },
  { key: 'scanned', label: 'redeemMany.col.scanned', cls: 'break' },
  { key: 'status', label: 'bulk.col.status', words: 'redeemMany.status' },
  { key: 'message', label: 'bulk.col.message' },
];

let checked = []; // the last look-up of the stack
let panel = null;
let names = new Map(); // campaign id → name
let offered = false;
let remember = () => {}; // adds a scan to the shift's list (redeem.js)
const remembered = new Set(); // jobs whose marked coupons are in the shift's list

/** `options.remember(code, result)`: the shift's list of scans, which lists what a job marked. */
export function initMany(options = {}) {
  if (typeof options.remember === 'function') remember = options.remember;
  panel = new JobPanel({ prefix: 'redeem-many', root: 'redeem-many-job', summary, onSettled, stateWords: 'redeemMany.jobState' });
  panel.setColumns(COLUMNS);
  $('#redeem-many-form').addEventListener('submit', (event) => {
    event.preventDefault();
    check();
  });
  // Enter belongs to the scanner (one code a line); Ctrl+Enter looks the stack up.
  $('#redeem-many-list').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      check();
    }
  });
  $('#redeem-many-list').addEventListener('input', () => {
    if (checked.length) forget();
  });
  $('#redeem-many-confirm').addEventListener('click', confirm);
  onLanguageChange(() => {
    panel.setColumns(COLUMNS);
    if (checked.length) renderChecks();
  });
}

export function showMany() {
  loadCampaigns(false)
    .then((list) => {
      names = new Map(list.map((c) => [c.id, c.name || c.title || c.id]));
      if (checked.length) renderChecks();
    })
    .catch(() => {});
  resumeOffer();
}

function forget() {
  checked = [];
  $('#redeem-many-checks').hidden = true;
  $('#redeem-many-confirm').hidden = true;
}

function check() {
  const errorArea = $('#redeem-many-error');
  clearError(errorArea);
  clearFieldErrors($('#redeem-many-form'));
  withBusy($('#redeem-many-check'), async () => {
    try {
      checked = await api.checkRedeemMany($('#redeem-many-list').value);
      renderChecks();
    } catch (err) {
      forget();
      showProblem(err, { fields: { stack: 'redeem-many-list' }, box: errorArea });
    }
  });
}

function stateWords(item) {
  const state = STATES.has(item.state) ? item.state : 'unchecked';
  return t(`redeemMany.state.${state}`, { when: formatDateTime(item.when) || '—', n: formatNumber(Number(item.matches) || 0) });
}

function renderChecks() {
  const list = $('#redeem-many-items');
  clear(list);
  for (const item of checked) {
    const state = STATES.has(item.state) ? item.state : 'unchecked';
    const what = [item.code || item.text, item.campaign ? names.get(item.campaign) || item.campaign : null, item.customer, item.message]
      .filter(Boolean)
      .join(' · ');
    list.append(
      h('li', { class: `check-${state}`, 'data-state': state },
        h('span', { class: 'num' }, String(item.line)),
        h('span', { class: `status status-${state === 'valid' ? 'sent' : state === 'not_found' || state === 'unchecked' ? 'failed' : 'unknown'}` }, t(`redeemMany.badge.${state}`)),
        h('span', { class: 'check-text', title: what }, `${stateWords(item)} — ${what}`),
      ),
    );
  }
  const valid = checked.filter((c) => c.state === 'valid').length;
  $('#redeem-many-summary').textContent = t('redeemMany.summary', { valid: formatNumber(valid), total: formatNumber(checked.length) });
  $('#redeem-many-checks').hidden = false;
  const button = $('#redeem-many-confirm');
  button.hidden = valid === 0;
  button.textContent = t('redeemMany.confirm', { n: formatNumber(valid) });
  if (valid > 0) button.focus();
}

function confirm() {
  if (!checked.some((c) => c.state === 'valid')) return;
  const errorArea = $('#redeem-many-error');
  const lines = checked;
  withBusy($('#redeem-many-confirm'), async () => {
    try {
      const started = await api.startRedeemManyJob(lines, panel.channel());
      panel.started(started.jobId);
      forget();
      $('#redeem-many-list').value = '';
    } catch (err) {
      panel.expecting = false;
      showError(errorArea, err);
    }
  });
}

function summary(message) {
  const n = (v) => formatNumber(Number(v) || 0);
  return t('redeemMany.job.summary', { used: n(message.sent), skipped: n(message.skipped), failed: n(message.failed), unknown: n(message.unknown), remaining: n(message.remaining) });
}

function onSettled(message) {
  $('#redeem-many-job-title').textContent = t(message.state === 'finished' ? 'redeemMany.job.done' : 'redeemMany.job.title');
  if (message.state === 'finished' || message.state === 'cancelled') addToShift(message.jobId);
}

/** The coupons a job marked join this shift's scans, so the list holds every coupon used. */
async function addToShift(jobId) {
  if (remembered.has(jobId) || !panel.job || panel.job.id !== jobId) return;
  remembered.add(jobId);
  try {
    const rows = await panel.allRows();
    for (const row of rows) if (row.status === 'sent' && row.code) remember(row.code, 'marked');
  } catch {
    // The job panel keeps every result; the shift's list is a convenience.
  }
}

async function resumeOffer() {
  if (offered || panel.job) return;
  offered = true;
  let jobs = [];
  try {
    jobs = await api.unfinishedJobs('redeem_many');
  } catch {
    return;
  }
  if (!jobs.length) return;
  const job = jobs[0];
  panel.attach(job.jobId, { state: 'paused', quiet: true });
  panel.onProgress({ jobId: job.jobId, state: 'paused', total: job.total, remaining: job.total - job.done, items: 0, sent: 0, skipped: 0, failed: 0, unknown: 0, pauseReason: job.pauseReason || { message: t('redeemMany.job.interrupted'), hint: t('redeemMany.job.interruptedHint') } });
}
