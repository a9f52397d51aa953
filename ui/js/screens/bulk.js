// Send to a list: (1) choose or paste the list, (2) check columns and problem rows, (3) start a
// job, then follow its progress and results. Jobs run in Rust and report over a Channel; the
// page only shows what it is told, so closing the window loses nothing.

import * as api from '../api.js';
import { $, h, clear, withBusy, fillSelect } from '../dom.js';
import { t, tOr, onLanguageChange } from '../i18n.js';
import {
  showError, clearError, showProblem, showFieldError, clearFieldErrors, clearFieldErrorsOnInput, clearFieldError,
} from '../errors.js';
import { formatNumber, formatDuration, formatDateTime, formatRate, percentOf } from '../format.js';
import { loadCampaigns, fillCampaignSelect, showLoadingCampaigns, fillCategorySelect } from '../campaign-picker.js';
import { parseConcurrency, jobConcurrency, setJobConcurrency, showConcurrency } from '../concurrency.js';
import { speedLine } from '../job-panel.js';
import { activeAccount, subscribe } from '../state.js';
import { VirtualTable } from '../virtual-table.js';

const SOURCE_FIELDS = { list: 'list-paste' };
const RUN_FIELDS = {
  list: 'list-paste',
  campaign: 'bulk-campaign',
  subject: 'bulk-subject',
  concurrency: 'bulk-concurrency',
};
const ROW_STATUSES = new Set(['pending', 'sent', 'skipped', 'failed', 'unknown']);
const JOB_STATES = new Set(['running', 'paused', 'finished', 'cancelled']);
const MAX_FILE_BYTES = 20 * 1024 * 1024;
const TABLE_REFRESH_MS = 800;

let ctx;
let preview = null; // last preview_email_list answer
let previewText = null; // the text that preview describes
let previewToken = 0;
let fileName = null;
let campaignsFor = null;
let job = null; // { id, state, total, done, last }
let expectingJob = false; // a start is in flight: the first progress message may beat its answer
let table = null;
let refreshTimer = 0;
let bannerJobs = [];

export function init(context) {
  ctx = context;
  wireSource();
  wireMapping();
  wireRun();
  wireJobControls();
  wireBanner();
  table = new VirtualTable({
    viewport: $('#job-results'),
    tbody: $('#job-results tbody'),
    columns: 5,
    pageSize: 100,
    fetchPage: (offset, limit) => (job ? api.jobRows(job.id, offset, limit) : Promise.resolve({ total: 0, rows: [] })),
    renderRow: renderJobRow,
    renderPlaceholder: renderPlaceholderRow,
  });
  subscribe(() => {
    const id = activeAccount() ? activeAccount().id : null;
    if (campaignsFor !== null && !campaignsFor.startsWith(`${id}|`)) campaignsFor = null;
  });
  $('#bulk-category').addEventListener('change', () => loadBulkCampaigns());
  onLanguageChange(() => {
    showConcurrency($('#bulk-concurrency'), parseConcurrency($('#bulk-concurrency').value) ?? jobConcurrency());
    if (preview) renderPreview();
    if (job && job.last) renderProgress(job.last);
    else if (job) renderJobState();
    renderBanner();
    updateReady();
    if (fileName) $('#list-file-name').textContent = t('bulk.fileChosen', { name: fileName });
    table.schedule(true);
  });
}

export function show() {
  // Each visit starts from the saved default, unless the user chose a value for this job here.
  clearFieldError('bulk-concurrency');
  showConcurrency($('#bulk-concurrency'), jobConcurrency());
  if (preview) loadBulkCampaigns();
  // While hidden the table had no height; draw it again now it can be measured.
  table.schedule(true);
}

// ---------------------------------------------------------------- step 1: the list

function wireSource() {
  const textarea = $('#list-paste');
  clearFieldErrorsOnInput($('#bulk-source'));

  const pick = $('#pick-file');
  pick.addEventListener('click', () =>
    withBusy(pick, async () => {
      clearError($('#bulk-source-error'));
      let file;
      try {
        file = await api.pickListFile();
      } catch (err) {
        showError($('#bulk-source-error'), err);
        return;
      }
      if (!file || typeof file.text !== 'string') return; // the user closed the dialog
      setListText(file.text, file.name);
      await runPreview(null);
    }),
  );

  const template = $('#save-template');
  template.addEventListener('click', () =>
    withBusy(template, async () => {
      const where = $('#template-path');
      where.textContent = '';
      clearError($('#bulk-source-error'));
      try {
        const result = await api.saveListTemplate();
        where.textContent = t('bulk.templateSaved', { path: (result && result.path) || '' });
      } catch (err) {
        showError($('#bulk-source-error'), err);
      }
    }),
  );

  $('#preview-list').addEventListener('click', () => runPreview(null, $('#preview-list')));
  textarea.addEventListener('input', () => {
    if (fileName) {
      fileName = null;
      $('#list-file-name').textContent = '';
    }
    updateReady();
  });

  const hasFiles = (event) => Array.from((event.dataTransfer && event.dataTransfer.types) || []).includes('Files');
  textarea.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    textarea.classList.add('dragover');
  });
  textarea.addEventListener('dragleave', () => textarea.classList.remove('dragover'));
  textarea.addEventListener('drop', (event) => {
    textarea.classList.remove('dragover');
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length === 0) return; // dropped text: let the textarea take it
    event.preventDefault();
    readDroppedFile(files[0]);
  });
}

function readDroppedFile(file) {
  const errorArea = $('#bulk-source-error');
  clearError(errorArea);
  if (file.size > MAX_FILE_BYTES) {
    showError(errorArea, { message: t('bulk.fileTooBig.message'), hint: t('bulk.fileTooBig.hint') });
    return;
  }
  const reader = new FileReader();
  reader.addEventListener('load', () => {
    setListText(String(reader.result || ''), file.name);
    runPreview(null);
  });
  reader.addEventListener('error', () => {
    showError(errorArea, { message: t('bulk.readFailed.message'), hint: t('bulk.readFailed.hint') });
  });
  reader.readAsText(file);
}

function setListText(text, name) {
  $('#list-paste').value = text;
  fileName = name || null;
  $('#list-file-name').textContent = fileName ? t('bulk.fileChosen', { name: fileName }) : '';
  clearFieldError('list-paste');
  updateReady();
}

/**
 * Ask Rust to read the list. `mapping` null lets Rust guess the columns. With `button`, that
 * button shows "Working…"; mapping changes pass none, so a quick second change is not ignored.
 */
async function runPreview(mapping, button) {
  const text = $('#list-paste').value;
  const errorArea = $('#bulk-source-error');
  clearError(errorArea);
  clearFieldError('list-paste');
  if (!text.trim()) {
    showFieldError('list-paste', { message: t('bulk.emptyList') });
    return;
  }
  const token = ++previewToken;
  const work = async () => {
    $('#bulk-mapping').setAttribute('aria-busy', 'true');
    try {
      const answer = await api.previewEmailList(text, mapping);
      if (token !== previewToken) return;
      preview = answer || null;
      previewText = text;
      renderPreview();
      $('#bulk-mapping').hidden = false;
      $('#bulk-run').hidden = false;
      loadBulkCampaigns();
    } catch (err) {
      if (token !== previewToken) return;
      showProblem(err, { fields: SOURCE_FIELDS, box: errorArea });
    } finally {
      if (token === previewToken) $('#bulk-mapping').removeAttribute('aria-busy');
      updateReady();
    }
  };
  if (button) await withBusy(button, work);
  else await work();
}

// ---------------------------------------------------------------- step 2: columns and preview

function wireMapping() {
  for (const id of ['map-email', 'map-first-name', 'map-last-name']) {
    $(`#${id}`).addEventListener('change', () => runPreview(currentMapping()));
  }
}

function columnIndex(select) {
  return select.value === '' ? null : Number(select.value);
}

function currentMapping() {
  return {
    email: columnIndex($('#map-email')),
    firstName: columnIndex($('#map-first-name')),
    lastName: columnIndex($('#map-last-name')),
  };
}

function asIndex(value) {
  return Number.isInteger(value) ? String(value) : '';
}

function renderPreview() {
  const p = preview || {};
  const headers = Array.isArray(p.headers) ? p.headers : [];
  const options = headers.map((name, i) => ({
    value: String(i),
    label: name !== null && name !== undefined && String(name).trim() ? String(name) : t('bulk.columnN', { n: i + 1 }),
  }));
  const mapping = p.mapping || {};
  fillSelect($('#map-email'), options, { value: asIndex(mapping.email), placeholder: t('bulk.mapChoose') });
  fillSelect($('#map-first-name'), options, { value: asIndex(mapping.firstName), placeholder: t('bulk.mapNone') });
  fillSelect($('#map-last-name'), options, { value: asIndex(mapping.lastName), placeholder: t('bulk.mapNone') });

  const total = Number(p.total) || 0;
  const parts = [t('bulk.summary.ready', { count: Number(p.valid) || 0 })];
  if (Number(p.invalid) > 0) parts.push(t('bulk.summary.invalid', { count: Number(p.invalid) }));
  if (Number(p.duplicates) > 0) parts.push(t('bulk.summary.duplicates', { count: Number(p.duplicates) }));
  $('#preview-summary').textContent = t('bulk.summary', { count: total, parts: parts.join(', ') });

  const rows = Array.isArray(p.rows) ? p.rows : [];
  const tbody = $('#preview-table tbody');
  clear(tbody);
  for (const row of rows) {
    const problem = row.problem ? String(row.problem) : null;
    tbody.append(
      h('tr', { class: problem ? `problem problem-${problem}` : null },
        h('td', { class: 'num' }, row.row ?? ''),
        h('td', { class: 'break' }, row.email ?? ''),
        h('td', null, row.firstName ?? ''),
        h('td', null, row.lastName ?? ''),
        h('td', null, problem
          ? h('span', { class: 'problem-text' }, row.problemText || tOr(`bulk.problem.${problem}`, problem))
          : h('span', { class: 'ok-text' }, t('bulk.problem.none'))),
      ),
    );
  }
  const more = $('#preview-more');
  more.hidden = !(total > rows.length);
  more.textContent = more.hidden ? '' : t('bulk.previewMore', { shown: rows.length, total });
}

// ---------------------------------------------------------------- step 3: start

async function loadBulkCampaigns({ force = false } = {}) {
  fillCategorySelect($('#bulk-category'));
  const category = $('#bulk-category').value;
  const id = activeAccount() ? `${activeAccount().id}|${category}` : null;
  if (!force && campaignsFor === id) return;
  const select = $('#bulk-campaign');
  const errorArea = $('#bulk-run-error');
  showLoadingCampaigns(select);
  select.disabled = true;
  try {
    const list = await loadCampaigns(true, { force, category });
    fillCampaignSelect(select, list);
    campaignsFor = id;
    clearError(errorArea);
  } catch (err) {
    fillCampaignSelect(select, []);
    showError(errorArea, err, { retry: () => loadBulkCampaigns({ force: true }) });
  } finally {
    select.disabled = false;
  }
}

function jobBusy() {
  return Boolean(job && (job.state === 'running' || job.state === 'paused'));
}

function updateReady() {
  const note = $('#bulk-ready');
  const start = $('#start-job');
  const stale = Boolean(preview) && $('#list-paste').value !== previewText;
  const valid = preview ? Number(preview.valid) || 0 : 0;
  let message = '';
  if (!preview) message = '';
  else if (stale) message = t('bulk.listChanged');
  else if (jobBusy()) message = t('bulk.jobBusy');
  else if (valid === 0) message = t('bulk.nothingReady');
  else message = t('bulk.ready', { count: valid });
  note.textContent = message;
  note.classList.toggle('warning', stale || (Boolean(preview) && valid === 0));
  if (!start.dataset.busy) start.disabled = !preview || stale || jobBusy() || valid === 0;
}

function wireRun() {
  const form = $('#bulk-run');
  clearFieldErrorsOnInput(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    startJob();
  });

  const input = $('#bulk-concurrency');
  const onChange = (strict) => {
    const n = parseConcurrency(input.value);
    if (n !== null) {
      setJobConcurrency(n);
      clearFieldError('bulk-concurrency');
    } else if (strict) {
      showFieldError('bulk-concurrency', { message: t('settings.prefs.concurrencyInvalid') });
    }
  };
  input.addEventListener('input', () => onChange(false));
  input.addEventListener('change', () => onChange(true));
}

async function startJob() {
  const form = $('#bulk-run');
  const errorArea = $('#bulk-run-error');
  clearFieldErrors(form);
  clearError(errorArea);
  if (!preview || $('#list-paste').value !== previewText) {
    showError(errorArea, { message: t('bulk.checkFirst') });
    return;
  }
  const campaign = $('#bulk-campaign').value;
  if (!campaign) {
    showFieldError('bulk-campaign', { message: t('send.chooseCampaign') });
    return;
  }
  const concurrency = parseConcurrency($('#bulk-concurrency').value);
  if (concurrency === null) {
    showFieldError('bulk-concurrency', { message: t('settings.prefs.concurrencyInvalid') });
    return;
  }
  const input = {
    text: previewText,
    mapping: preview.mapping || currentMapping(),
    campaign,
    subject: $('#bulk-subject').value.trim(),
    checkUnique: $('#bulk-check-unique').checked,
    concurrency,
  };
  const total = Number(preview.valid) || 0;

  await withBusy($('#start-job'), async () => {
    let channel;
    try {
      channel = api.progressChannel(onProgress);
    } catch (err) {
      showError(errorArea, err);
      return;
    }
    expectingJob = true;
    try {
      const answer = await api.startEmailJob(input, channel);
      if (answer && answer.jobId !== undefined) attachJob(answer.jobId, { total, done: 0, state: 'running' });
    } catch (err) {
      showProblem(err, { fields: RUN_FIELDS, box: errorArea });
    } finally {
      expectingJob = false;
    }
  });
  updateReady();
}

// ---------------------------------------------------------------- progress

/** Show the progress card for `jobId`; a second call for the same job changes nothing. */
function attachJob(jobId, { total = 0, done = 0, state = 'running' } = {}) {
  if (job && job.id === jobId) return;
  job = { id: jobId, state, total: Number(total) || 0, done: Number(done) || 0, last: null };
  clearError($('#job-error'));
  clearError($('#pause-reason'));
  $('#export-path').textContent = '';
  $('#bulk-progress').hidden = false;
  renderCounts(null);
  renderBar(job.done, job.total, state);
  renderJobState();
  $('#job-rate').textContent = '—';
  $('#job-eta').textContent = '—';
  table.reset(job.total);
  updateReady();
  bannerJobs = bannerJobs.filter((j) => j.jobId !== jobId);
  renderBanner();
  const heading = $('#bulk-progress-title');
  heading.scrollIntoView({ block: 'start', behavior: 'smooth' });
  heading.focus({ preventScroll: true });
}

function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function onProgress(message) {
  if (!message || typeof message !== 'object') return;
  if (!job || job.id !== message.jobId) {
    if (!expectingJob) return; // an old job's channel
    attachJob(message.jobId, { total: num(message.total) || 0, state: message.state });
  }
  renderProgress(message);
  table.setTotal(num(message.total) ?? job.total);
  refreshTable(message.state !== 'running');
  if (message.state === 'finished' || message.state === 'cancelled') updateReady();
}

function renderProgress(message) {
  const state = JOB_STATES.has(message.state) ? message.state : 'running';
  const total = num(message.total) ?? job.total;
  const counts = {
    sent: num(message.sent) ?? 0,
    skipped: num(message.skipped) ?? 0,
    failed: num(message.failed) ?? 0,
    unknown: num(message.unknown) ?? 0,
  };
  const remaining = num(message.remaining) ?? Math.max(0, total - counts.sent - counts.skipped - counts.failed - counts.unknown);
  job.state = state;
  job.total = total;
  job.done = Math.max(0, total - remaining);
  job.last = message;

  renderCounts({ ...counts, remaining });
  renderBar(job.done, total, state);
  renderJobState();

  const running = state === 'running';
  $('#job-rate').textContent = running ? formatRate(message.ratePerMinute) : '—';
  $('#job-speed').textContent = speedLine(message);
  const eta = num(message.etaSeconds);
  $('#job-eta').textContent =
    state === 'finished' ? t('bulk.etaDone')
      : running && eta !== null && eta > 0 ? t('bulk.etaAbout', { time: formatDuration(eta) })
        : '—';

  const reason = message.pauseReason;
  if (state === 'paused' && reason && reason.message) showError($('#pause-reason'), { message: reason.message, hint: reason.hint });
  else clearError($('#pause-reason'));
}

function renderCounts(counts) {
  for (const key of ['sent', 'skipped', 'failed', 'unknown', 'remaining']) {
    const value = counts ? counts[key] : null;
    $(`#count-${key}`).textContent = value === null || value === undefined ? '—' : formatNumber(value);
  }
}

function renderBar(done, total, state) {
  const bar = $('#job-progress');
  const finished = state === 'finished';
  bar.max = Math.max(1, total);
  bar.value = finished && total === 0 ? 1 : Math.min(done, total);
  $('#job-percent').textContent = t('format.percent', { n: finished ? 100 : percentOf(done, total) });
}

function renderJobState() {
  const el = $('#job-state');
  const state = job ? job.state : 'running';
  const text = t(`bulk.state.${state}`);
  // Only a real change is written, so the live region announces state changes, not every tick.
  if (el.textContent !== text) el.textContent = text;
  el.dataset.state = state;
  $('#bulk-progress-title').textContent = t(state === 'finished' || state === 'cancelled' ? 'bulk.progress.done' : 'bulk.progress.title');
  renderButtons();
}

function renderButtons() {
  const state = job ? job.state : null;
  $('#pause-job').hidden = state !== 'running';
  $('#resume-job').hidden = state !== 'paused';
  $('#cancel-job').hidden = !(state === 'running' || state === 'paused');
  $('#export-results').hidden = !job;
}

function refreshTable(now) {
  if (now) {
    clearTimeout(refreshTimer);
    refreshTimer = 0;
    table.refreshVisible();
    return;
  }
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = 0;
    table.refreshVisible();
  }, TABLE_REFRESH_MS);
}

function wireJobControls() {
  const pause = $('#pause-job');
  const resume = $('#resume-job');
  const cancel = $('#cancel-job');
  const exportButton = $('#export-results');
  const errorArea = $('#job-error');

  pause.addEventListener('click', () =>
    withBusy(pause, async () => {
      if (!job) return;
      clearError(errorArea);
      try {
        await api.pauseJob(job.id);
        if (job.state === 'running') job.state = 'paused';
      } catch (err) {
        showError(errorArea, err);
      }
    }).then(afterControl),
  );

  resume.addEventListener('click', () => withBusy(resume, () => resumeJob(job)).then(afterControl));

  cancel.addEventListener('click', () =>
    withBusy(cancel, async () => {
      if (!job) return;
      clearError(errorArea);
      try {
        await api.cancelJob(job.id);
        if (job.state === 'running' || job.state === 'paused') job.state = 'cancelled';
      } catch (err) {
        showError(errorArea, err);
      }
    }).then(afterControl),
  );

  exportButton.addEventListener('click', () =>
    withBusy(exportButton, async () => {
      if (!job) return;
      const where = $('#export-path');
      clearError(errorArea);
      where.textContent = '';
      try {
        const result = await api.exportJobResults(job.id);
        where.textContent = t('bulk.exported', { path: (result && result.path) || '' });
      } catch (err) {
        showError(errorArea, err);
      }
    }),
  );
}

function afterControl() {
  renderJobState();
  updateReady();
  refreshTable(true);
}

async function resumeJob(target) {
  if (!target) return;
  const errorArea = $('#job-error');
  clearError(errorArea);
  let channel;
  try {
    channel = api.progressChannel(onProgress);
    await api.resumeJob(target.id, channel);
    if (job && job.id === target.id && job.state === 'paused') job.state = 'running';
  } catch (err) {
    showError(errorArea, err);
  }
}

// ---------------------------------------------------------------- results table

function renderJobRow(row, index) {
  const known = ROW_STATUSES.has(row.status) ? row.status : 'unknown';
  // Waiting, but an earlier request may have gone out: it is looked up before any resend.
  const status = known === 'pending' && row.inDoubt ? 'checking' : known;
  const cell = (value, cls) => {
    const text = value === null || value === undefined ? '' : String(value);
    return h('td', { class: cls || null, title: text || null }, text);
  };
  return h('tr', { class: `row-${status}` },
    h('td', { class: 'num' }, row.row ?? index + 1),
    cell(row.email),
    h('td', null, h('span', { class: `status status-${status === 'checking' ? 'unknown' : status}` }, t(`rowStatus.${status}`))),
    cell(row.singleUseUrl, 'url'),
    cell(row.message),
  );
}

function renderPlaceholderRow() {
  return h('tr', { class: 'loading' },
    h('td', { class: 'num' }, ''),
    h('td', { colspan: 4, class: 'muted' }, t('bulk.loadingRow')),
  );
}

// ---------------------------------------------------------------- resume banner

/** On start: offer to resume a list job that did not finish (the app closed, the PC restarted). */
export async function checkUnfinishedJobs() {
  let list;
  try {
    list = await api.unfinishedJobs('email');
  } catch (err) {
    console.warn('could not ask for unfinished jobs', err);
    return;
  }
  bannerJobs = (Array.isArray(list) ? list : []).filter((j) => j && j.jobId !== undefined && !(job && job.id === j.jobId));
  renderBanner();
}

function renderBanner() {
  const banner = $('#resume-banner');
  const next = bannerJobs[0];
  if (!next) {
    banner.hidden = true;
    return;
  }
  $('#resume-banner-text').textContent = t('banner.text', { done: Number(next.done) || 0, total: Number(next.total) || 0 });
  const meta = [];
  if (next.campaign) meta.push(t('banner.campaign', { campaign: next.campaign }));
  if (next.createdAt) meta.push(t('banner.started', { when: formatDateTime(next.createdAt) }));
  $('#resume-banner-meta').textContent = meta.join(' · ');
  banner.hidden = false;
}

function wireBanner() {
  const resume = $('#resume-job-banner');
  const discard = $('#discard-job-banner');
  const errorArea = $('#resume-banner-error');

  resume.addEventListener('click', () =>
    withBusy(resume, async () => {
      const next = bannerJobs[0];
      if (!next) return;
      clearError(errorArea);
      ctx.navigate('bulk');
      attachJob(next.jobId, { total: next.total, done: next.done, state: 'paused' });
      await resumeJob(job);
      afterControl();
    }),
  );

  discard.addEventListener('click', () =>
    withBusy(discard, async () => {
      const next = bannerJobs[0];
      if (!next) return;
      clearError(errorArea);
      try {
        await api.cancelJob(next.jobId);
      } catch (err) {
        showError(errorArea, err);
        return;
      }
      bannerJobs.shift();
      renderBanner();
      if (!$('#resume-banner').hidden) resume.focus();
      else $('#main').focus();
    }),
  );
}
