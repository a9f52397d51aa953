// Today: the day's coupons opened, claimed and used in the connected account's campaigns — totals,
// a per-hour chart, a table per campaign and the latest events — as the background reader keeps
// them in the database. The screen reads that every few seconds while it is shown (a local read,
// no request to Coupontools); "Refresh" asks the reader to go now.

import * as api from '../api.js';
import { $, h, withBusy } from '../dom.js';
import { t, onLanguageChange, getLanguage } from '../i18n.js';
import { showError, clearError } from '../errors.js';
import { formatNumber, formatDuration } from '../format.js';
import { state, preferences } from '../state.js';

const READ_EVERY_MS = 5000;
const KINDS = ['opened', 'claimed', 'used'];
let ctx = null;
let timer = 0;
let last = null; // the figures on screen
let newestSeen = null; // the newest event announced, so each refresh announces once
let primed = false; // the first figures are shown, not announced

/** Today's reader stored new events (told by Rust): read them now rather than in a few seconds. */
export function changed() {
  if (!$('#today').hidden) load();
}

export function init(context) {
  ctx = context;
  $('#today-refresh').addEventListener('click', () =>
    withBusy($('#today-refresh'), async () => {
      try {
        await api.refreshToday();
      } catch (err) {
        showError($('#today-problem'), err);
      }
      // The reader needs a moment for a cycle; read what it has, then again shortly.
      await load();
    }),
  );
  $('#today-export').addEventListener('click', () =>
    withBusy($('#today-export'), async () => {
      try {
        const saved = await api.exportToday(dayStart());
        $('#today-export-path').textContent = t('bulk.exported', { path: (saved && saved.path) || '' });
      } catch (err) {
        showError($('#today-problem'), err);
      }
    }),
  );
  $('#today-feed').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-code]');
    if (button && ctx) ctx.navigate('redeem', { scan: button.dataset.code, focus: true });
  });
  onLanguageChange(() => {
    if (last) render(last);
  });
  for (const [id, keep] of [['#today-tray-yes', true], ['#today-tray-no', false]]) {
    $(id).addEventListener('click', () =>
      withBusy($(id), async () => {
        try {
          await ctx.savePreferences({ keepInTray: keep });
          $('#today-tray-offer').hidden = true;
          $('#today-tray-done').textContent = t('today.trayOffer.later');
        } catch (err) {
          showError($('#today-problem'), err);
        }
      }),
    );
  }
}

/** Asked once: keep running in the tray when the window closes (only where there is a tray). */
function offerTray() {
  const status = state.status || {};
  const prefs = preferences();
  $('#today-tray-offer').hidden = !(status.tray && (prefs.keepInTray === null || prefs.keepInTray === undefined));
}

export function show() {
  offerTray();
  load();
  clearInterval(timer);
  timer = setInterval(() => {
    // Hidden: stop until shown again.
    if ($('#today').hidden) {
      clearInterval(timer);
      timer = 0;
      return;
    }
    load();
  }, READ_EVERY_MS);
}

/** This computer's midnight: "today" is the shop's day. */
function dayStart() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

async function load() {
  try {
    render(await api.today(dayStart()));
  } catch (err) {
    showError($('#today-problem'), err);
  }
}

function timeOf(ms) {
  return new Intl.DateTimeFormat(getLanguage(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

function render(data) {
  last = data;
  const now = Number(data.nowMs) || Date.now();
  const updated = Number(data.updatedAtMs);
  $('#today-updated').textContent = Number.isFinite(updated) && updated > 0
    ? t('today.updatedAgo', { time: formatDuration(Math.max(1, (now - updated) / 1000)) })
    : t('today.reading');
  if (data.problem && data.problem.message) {
    const since = Number.isFinite(updated) && updated > 0 ? t('today.figuresFrom', { time: timeOf(updated) }) : '';
    showError($('#today-problem'), { message: data.problem.message, hint: [data.problem.hint, since].filter(Boolean).join(' ') });
  } else {
    clearError($('#today-problem'));
  }
  const totals = Array.isArray(data.totals) ? data.totals : [0, 0, 0];
  KINDS.forEach((kind, i) => {
    $(`#today-${kind}`).textContent = formatNumber(totals[i] ?? 0);
  });
  renderChart(Array.isArray(data.hourly) ? data.hourly : []);
  renderTable(Array.isArray(data.campaigns) ? data.campaigns : []);
  renderFeed(Array.isArray(data.feed) ? data.feed : []);
}

/** 24 groups of three bars; each series has its own fill pattern, so it reads without colour. */
function renderChart(hourly) {
  const svgNs = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  };
  const width = 720;
  const height = 160;
  const max = Math.max(1, ...hourly.flat().map((n) => Number(n) || 0));
  const svg = el('svg', { viewBox: `0 0 ${width} ${height + 20}`, role: 'img', 'aria-labelledby': 'today-chart-title today-chart-summary', class: 'today-svg' });
  const group = width / 24;
  const bar = (group - 6) / 3;
  hourly.forEach((counts, hour) => {
    KINDS.forEach((kind, i) => {
      const n = Number(counts[i]) || 0;
      if (n === 0) return;
      const tall = Math.max(2, (n / max) * height);
      svg.append(el('rect', { x: hour * group + 3 + i * bar, y: height - tall, width: bar - 1, height: tall, class: `bar bar-${kind}` }));
    });
    if (hour % 3 === 0) {
      const label = el('text', { x: hour * group + 2, y: height + 15, class: 'axis' });
      label.textContent = String(hour).padStart(2, '0');
      svg.append(label);
    }
  });
  $('#today-chart').replaceChildren(svg);
  // The chart in words: the busiest hour for each series.
  const parts = [];
  KINDS.forEach((kind, i) => {
    let best = -1;
    let bestCount = 0;
    hourly.forEach((counts, hour) => {
      const n = Number(counts[i]) || 0;
      if (n > bestCount) {
        best = hour;
        bestCount = n;
      }
    });
    if (best >= 0) parts.push(t('today.busiest', { what: t(`today.${kind}`), hour: `${String(best).padStart(2, '0')}:00`, n: formatNumber(bestCount) }));
  });
  $('#today-chart-summary').textContent = parts.length ? parts.join(' ') : t('today.feedEmpty');
}

function renderTable(campaigns) {
  const rows = campaigns.map((c) =>
    h('tr', null,
      h('td', null, String(c.name || c.campaign || '')),
      h('td', { class: 'num' }, formatNumber(c.opened)),
      h('td', { class: 'num' }, formatNumber(c.claimed)),
      h('td', { class: 'num' }, formatNumber(c.used))));
  $('#today-table tbody').replaceChildren(...rows);
}

function renderFeed(feed) {
  $('#today-feed-empty').hidden = feed.length > 0;
  const items = feed.map((e) => {
    const kind = KINDS.includes(e.kind) ? e.kind : 'opened';
    const what = t(`today.event.${kind}`);
    const code = String(e.code || '');
    const when = timeOf(Number(e.atMs) || 0);
    return h('li', { class: `today-event event-${kind}` },
      h('span', { class: 'event-time' }, when),
      h('span', { class: 'event-what' }, what),
      h('span', { class: 'event-campaign' }, String(e.name || e.campaign || '')),
      h('code', { class: 'event-code' }, code),
      h('button', { type: 'button', class: 'button ghost small', dataset: { code }, 'aria-label': t('today.openAtCounterFor', { code }) }, t('today.openAtCounter')));
  });
  $('#today-feed').replaceChildren(...items);
  // One polite announcement per refresh, for what is new since the last one.
  const newest = feed.length ? Number(feed[0].atMs) : null;
  if (primed && newest !== null && newest > (newestSeen ?? -Infinity)) {
    const fresh = feed.filter((e) => Number(e.atMs) > (newestSeen ?? -Infinity));
    $('#today-announce').textContent = t('today.announce', { n: formatNumber(fresh.length), what: t(`today.event.${fresh[0].kind}`), code: String(fresh[0].code || '') });
  }
  if (newest !== null) newestSeen = Math.max(newestSeen ?? 0, newest);
  primed = true;
}
