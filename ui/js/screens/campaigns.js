// Campaigns: details with link and QR; usage for a date range (every page, with progress and
// cancel), summed up with a chart per day and a table of every session; find a customer's
// coupon and open it at the counter; messages to wallet holders.

import * as api from '../api.js';
import { $, h, clear, withBusy, safeImage } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { fillCampaignSelect, showLoadingCampaigns } from '../campaign-picker.js';
import { activeAccount } from '../state.js';
import { formatNumber, formatDateTime, formatPercent } from '../format.js';
import { VirtualTable } from '../virtual-table.js';
import { copyText } from '../clipboard.js';

const SVG = 'http://www.w3.org/2000/svg';
let ctx;
let campaigns = [];
let loadedFor = null;
let details = null;
let usage = null;
let table = null;

export function init(context) {
  ctx = context;
  table = new VirtualTable({
    viewport: $('#campaigns-sessions'),
    tbody: $('#campaigns-sessions tbody'),
    columns: 5,
    // The first rows come with the usage; the rest are asked for as the table scrolls.
    fetchPage: async (offset, limit) => {
      if (!usage) return { total: 0, rows: [] };
      const first = usage.firstRows || [];
      if (Math.min(offset + limit, usage.rows) <= first.length) return { total: usage.rows, rows: first.slice(offset, offset + limit) };
      return api.campaignUsageRows(offset, limit);
    },
    renderRow: renderSession,
    renderPlaceholder: () => h('tr', { class: 'loading' }, h('td', { colspan: 5 }, '')),
  });
  for (const form of ['#campaigns-usage-form', '#campaigns-find-form', '#campaigns-push-form']) clearFieldErrorsOnInput($(form));
  $('#campaigns-search').addEventListener('input', renderCampaigns);
  $('#campaigns-only-active').addEventListener('change', () => refreshCampaigns());
  $('#campaigns-tags').addEventListener('change', () => refreshCampaigns());
  $('#campaigns-category').addEventListener('change', () => refreshCampaigns());
  $('#campaigns-folder').addEventListener('change', () => refreshCampaigns());
  $('#campaigns-clear-filters').addEventListener('click', () => {
    $('#campaigns-tags').value = '';
    $('#campaigns-category').value = '';
    $('#campaigns-folder').value = '';
    refreshCampaigns();
  });
  $('#campaigns-campaign').addEventListener('change', showDetails);
  $('#campaigns-copy').addEventListener('click', async () => {
    if (!details || !details.url) return;
    const ok = await copyText(details.url);
    $('#campaigns-copy-feedback').textContent = t(ok ? 'send.result.copied' : 'send.result.copyFailed');
  });
  $('#campaigns-usage-form').addEventListener('submit', (e) => {
    e.preventDefault();
    loadUsage();
  });
  $('#campaigns-cancel').addEventListener('click', () => api.cancelCampaignUsage().catch(() => {}));
  $('#campaigns-export').addEventListener('click', (e) => exportUsage(e.currentTarget));
  $('#campaigns-find-form').addEventListener('submit', (e) => {
    e.preventDefault();
    find();
  });
  $('#campaigns-push-form').addEventListener('submit', (e) => {
    e.preventDefault();
    checkPush();
  });
  $('#campaigns-push-message').addEventListener('input', () => ($('#campaigns-push-send').hidden = true));
  $('#campaigns-push-session').addEventListener('input', () => ($('#campaigns-push-send').hidden = true));
  $('#campaigns-push-send').addEventListener('click', sendPush);
  onLanguageChange(() => {
    renderCampaigns();
    fillChoices();
    if (details) renderDetails();
    if (usage) renderUsage();
  });
}

export function show() {
  if (loadedFor !== listKey()) refreshCampaigns();
}

/** The filters as the screen shows them; blanks are no filter. */
function filters() {
  return {
    onlyActive: $('#campaigns-only-active').checked,
    tags: $('#campaigns-tags').value.trim(),
    category: $('#campaigns-category').value,
    folder: $('#campaigns-folder').value,
  };
}

function filtering() {
  const f = filters();
  return Boolean(f.tags || f.category || f.folder);
}

function listKey() {
  return `${activeAccount() ? activeAccount().id : ''}|${JSON.stringify(filters())}`;
}

/** The categories and folders the account's campaigns carry, for the filter selects. Asked
 * once per account and "only active"; the filtered list comes from Coupontools itself. */
let choicesFor = null;
let unfiltered = [];

async function loadChoices() {
  const key = `${activeAccount() ? activeAccount().id : ''}|${$('#campaigns-only-active').checked}`;
  if (choicesFor === key) return;
  unfiltered = await api.listCampaignsFiltered({ onlyActive: $('#campaigns-only-active').checked });
  choicesFor = key;
  fillChoices();
}

function fillChoices() {
  fillChoice($('#campaigns-category'), unfiltered.map((c) => [c.category, c.categoryName]));
  fillChoice($('#campaigns-folder'), unfiltered.map((c) => [c.folder, c.folderName]));
}

function fillChoice(select, pairs) {
  const previous = select.value;
  const seen = new Map();
  for (const [id, name] of pairs) if (id && !seen.has(id)) seen.set(id, name || id);
  const sorted = [...seen.entries()].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  clear(select);
  select.append(h('option', { value: '' }, t('campaignFilters.any')));
  for (const [id, name] of sorted) select.append(h('option', { value: id }, name === id ? id : `${name} (${id})`));
  select.value = seen.has(previous) ? previous : '';
  select.disabled = seen.size === 0;
}

function campaign() {
  return $('#campaigns-campaign').value;
}

async function refreshCampaigns() {
  const select = $('#campaigns-campaign');
  clearError($('#campaigns-error'));
  showLoadingCampaigns(select);
  select.disabled = true;
  // Not while the list is read again: its end shows the chosen campaign afresh and would drop
  // the usage being read.
  const load = $('#campaigns-load');
  load.disabled = true;
  try {
    await loadChoices();
    campaigns = filtering() ? await api.listCampaignsFiltered(filters()) : unfiltered;
    loadedFor = listKey();
    $('#campaigns-filter-note').textContent = filtering()
      ? t('campaignFilters.shown', { shown: formatNumber(campaigns.length), total: formatNumber(unfiltered.length) })
      : '';
    renderCampaigns();
    await showDetails();
  } catch (err) {
    if (err && err.kind === 'validation' && err.field) showProblem(err, { fields: { tags: 'campaigns-tags', category: 'campaigns-category', folder: 'campaigns-folder' }, box: $('#campaigns-error') });
    else showError($('#campaigns-error'), err, { retry: refreshCampaigns });
  } finally {
    select.disabled = false;
    if (!load.dataset.busy) load.disabled = false;
  }
}

function renderCampaigns() {
  fillCampaignSelect($('#campaigns-campaign'), campaigns, $('#campaigns-search').value);
}

async function showDetails() {
  usage = null;
  $('#campaigns-usage').hidden = true;
  $('#campaigns-export').hidden = true;
  if (!campaign()) return;
  try {
    details = await api.campaignDetails(campaign());
    renderDetails();
  } catch (err) {
    showError($('#campaigns-error'), err);
  }
}

function renderDetails() {
  $('#campaigns-details').hidden = false;
  $('#campaigns-status').textContent = `${details.name} · ${details.status || '—'}`;
  $('#campaigns-url').textContent = details.url || '—';
  const u = details.usage || {};
  const n = (v) => (v === null || v === undefined ? '—' : formatNumber(v));
  $('#campaigns-totals').textContent = t('campaigns.totalsLine', { sessions: n(u.sessions), opened: n(u.opened), claimed: n(u.claimed), validated: n(u.validated) });
  const img = $('#campaigns-qr');
  const qr = safeImage(details.qrDataUrl);
  if (qr) img.src = qr;
  else img.removeAttribute('src');
  img.closest('figure').hidden = !qr;
  $('#campaigns-copy').disabled = !details.url;
}

// ------------------------------------------------------------------ usage

function range() {
  return { list: $('#campaigns-list').value, start: $('#campaigns-start').value, end: $('#campaigns-end').value };
}

const FIELDS = { usageStart: 'campaigns-start', usageEnd: 'campaigns-end', start: 'campaigns-start', end: 'campaigns-end' };

function loadUsage() {
  const errorArea = $('#campaigns-usage-error');
  clearError(errorArea);
  clearFieldErrors($('#campaigns-usage-form'));
  if (!campaign()) return;
  const { list, start, end } = range();
  const bar = $('#campaigns-progress');
  withBusy($('#campaigns-load'), async () => {
    $('#campaigns-loading').hidden = false;
    $('#campaigns-cancel').hidden = false;
    bar.value = 0;
    placeUsage();
    const started = performance.now();
    try {
      const channel = api.progressChannel((p) => {
        if (!p) return;
        const total = Number(p.pagesTotal) || 0;
        bar.max = Math.max(1, total);
        bar.value = Number(p.pages) || 0;
        $('#campaigns-progress-text').textContent = t('campaigns.usageLoading', { sessions: formatNumber(p.sessions) });
      });
      const got = await api.campaignUsage(campaign(), list, start, end, channel);
      usage = got;
      const arrived = performance.now();
      renderUsage();
      requestAnimationFrame(() => requestAnimationFrame(() => {
        document.body.dataset.usagePaintedMs = String(Math.round(performance.now() - arrived));
        document.body.dataset.usageLoadedMs = String(Math.round(arrived - started));
        // The benchmark's figures: painted after the last page arrived (one clock: the same
        // computer), and how long the pages took in Rust.
        document.body.dataset.usageSinceLastPageMs = String(Math.max(0, Date.now() - Number(got.lastPageAtMs)));
        document.body.dataset.usagePagesMs = String(Number(got.pagesMs) || 0);
      }));
    } catch (err) {
      // The area laid out for the figures goes again: there are none to show.
      if (!usage) $('#campaigns-usage').hidden = true;
      showProblem(err, { fields: FIELDS, box: errorArea });
    } finally {
      $('#campaigns-loading').hidden = true;
      $('#campaigns-cancel').hidden = true;
    }
  });
}

/** The usage area laid out, empty, while the pages come: the page moves once, at the click,
 * not again when the last page arrives and the figures should appear at once. */
function placeUsage() {
  usage = null;
  // A no-break space keeps each count's height while it is still unknown.
  for (const id of ['sessions', 'opened', 'claimed', 'validated']) $(`#campaigns-count-${id}`).textContent = '\u00a0';
  $('#campaigns-rates').textContent = '';
  clear($('#campaigns-chart'));
  $('#campaigns-chart-caption').textContent = '';
  table.reset(0);
  $('#campaigns-usage').hidden = false;
}

function renderUsage() {
  const s = usage.summary;
  $('#campaigns-usage').hidden = false;
  $('#campaigns-export').hidden = false;
  $('#campaigns-count-sessions').textContent = formatNumber(s.sessions);
  $('#campaigns-count-opened').textContent = formatNumber(s.opened);
  $('#campaigns-count-claimed').textContent = formatNumber(s.claimed);
  $('#campaigns-count-validated').textContent = formatNumber(s.validated);
  const rate = (r) => (r === null || r === undefined ? '—' : formatPercent(Math.round(r * 1000), 1000));
  $('#campaigns-rates').textContent = t(usage.cancelled ? 'campaigns.ratesCancelled' : 'campaigns.rates', { claim: rate(s.claimRate), use: rate(s.useRate) });
  drawChart(usage.perDay);
  table.reset(usage.rows);
}

/** Bars per day, three side by side (opened, claimed, used: the caption says which is which,
 * so the chart reads without its colours). Built from SVG elements, never from markup. */
function drawChart(days) {
  const svg = $('#campaigns-chart');
  clear(svg);
  const width = 720;
  const height = 200;
  const top = Math.max(1, ...days.map((d) => Math.max(d.opened, d.claimed, d.validated)));
  const slot = days.length ? width / days.length : width;
  const bar = Math.max(1, (slot - 2) / 3);
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 0, y1: height - 1, x2: width, y2: height - 1, class: 'axis' })) line.setAttribute(k, String(v));
  svg.append(line);
  days.forEach((d, i) => {
    [['opened', 0], ['claimed', 1], ['validated', 2]].forEach(([key, n]) => {
      const value = d[key];
      if (!value) return;
      const rect = document.createElementNS(SVG, 'rect');
      const barHeight = ((height - 10) * value) / top;
      rect.setAttribute('x', String(i * slot + n * bar));
      rect.setAttribute('y', String(height - 1 - barHeight));
      rect.setAttribute('width', String(bar));
      rect.setAttribute('height', String(barHeight));
      rect.setAttribute('class', `bar-${key}`);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${d.day}: ${t(`campaigns.count.${key}`)} ${formatNumber(value)}`;
      rect.append(title);
      svg.append(rect);
    });
  });
  const first = days.length ? days[0].day : '—';
  const last = days.length ? days[days.length - 1].day : '—';
  $('#campaigns-chart-caption').textContent = t('campaigns.chartCaption', { days: formatNumber(days.length), first, last, top: formatNumber(top) });
}

function renderSession(session) {
  const when = (v) => (v ? formatDateTime(v) : '');
  const customer = [session.firstName, session.lastName, session.email].filter(Boolean).join(' · ');
  return h('tr', null,
    h('td', { class: 'break', title: session.code }, session.code),
    h('td', null, when(session.openedAt)),
    h('td', null, when(session.claimedAt)),
    h('td', null, when(session.validatedAt)),
    h('td', { title: customer || null }, customer));
}

function exportUsage(button) {
  const { list, start, end } = range();
  withBusy(button, async () => {
    clearError($('#campaigns-usage-error'));
    try {
      const saved = await api.exportCampaignUsage(campaign(), list, start, end);
      $('#campaigns-export-path').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError($('#campaigns-usage-error'), err);
    }
  });
}

// ------------------------------------------------------------------ find and push

function find() {
  const errorArea = $('#campaigns-find-error');
  clearError(errorArea);
  clearFieldErrors($('#campaigns-find-form'));
  withBusy($('#campaigns-find-button'), async () => {
    try {
      const found = await api.findSessions($('#campaigns-find').value, $('#campaigns-find-all').checked ? null : campaign());
      const list = $('#campaigns-found');
      clear(list);
      list.hidden = false;
      if (!found.length) list.append(h('li', { class: 'muted' }, t('campaigns.foundNone')));
      for (const s of found) {
        list.append(h('li', null,
          h('span', { class: 'check-text' }, `${s.code} · ${s.campaign}${s.email ? ` · ${s.email}` : ''}`),
          h('span', null, s.createdAt ? formatDateTime(s.createdAt) : ''),
          h('button', { type: 'button', class: 'button ghost', onclick: () => openAtCounter(s.code) }, t('campaigns.openRedeem'))));
      }
    } catch (err) {
      showProblem(err, { fields: { findSearch: 'campaigns-find' }, box: errorArea });
    }
  });
}

function openAtCounter(code) {
  ctx.navigate('redeem', { focus: false });
  const input = $('#redeem-input');
  input.value = code;
  $('#redeem-form').requestSubmit();
}

function checkPush() {
  const errorArea = $('#campaigns-push-error');
  clearError(errorArea);
  clearFieldErrors($('#campaigns-push-form'));
  const message = $('#campaigns-push-message').value.trim();
  if (!message) {
    showProblem({ kind: 'validation', field: 'message', message: t('loyalty.pushEmpty'), hint: null }, { fields: { message: 'campaigns-push-message' }, box: errorArea });
    return;
  }
  const session = $('#campaigns-push-session').value.trim();
  const button = $('#campaigns-push-send');
  $('#campaigns-push-preview').textContent = session
    ? t('campaigns.pushPreviewOne', { message, code: session })
    : t('campaigns.pushPreviewAll', { message, campaign: details ? details.name : campaign() });
  button.textContent = t(session ? 'campaigns.pushSendOne' : 'campaigns.pushSendAll');
  button.hidden = false;
  button.focus();
}

function sendPush() {
  const errorArea = $('#campaigns-push-error');
  withBusy($('#campaigns-push-send'), async () => {
    try {
      const result = await api.pushCampaignMessage(campaign(), $('#campaigns-push-message').value.trim(), $('#campaigns-push-session').value.trim());
      const n = result && result.recipients !== null && result.recipients !== undefined ? formatNumber(result.recipients) : '—';
      $('#campaigns-push-result').textContent = t('loyalty.pushSent', { count: n });
      $('#campaigns-push-send').hidden = true;
      $('#campaigns-push-preview').textContent = '';
      $('#campaigns-push-message').value = '';
    } catch (err) {
      showProblem(err, { fields: { message: 'campaigns-push-message' }, box: errorArea });
    }
  });
}
