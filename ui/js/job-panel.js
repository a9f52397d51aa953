// A running bulk job as a panel: progress bar, state, pause / resume / stop, export, and a
// virtualised table of its rows (or, for jobs that make many items, of the items). The panel
// draws its own markup into its placeholder in the screen's HTML:
//   <div id="links-job" class="card" data-job-panel="links" data-panel-title="links.job.title"
//        data-columns="row link code message" hidden>[buttons of its own]</div>
// The ids of its parts share the prefix (`links-job-progress`, `links-pause`, …); buttons inside
// the placeholder join the panel's own after "Save results as a file" (or before it, with
// `data-before-export`).

import * as api from './api.js';
import { $, h, withBusy, clear } from './dom.js';
import { t } from './i18n.js';
import { showError, clearError } from './errors.js';
import { formatNumber, percentOf } from './format.js';
import { VirtualTable } from './virtual-table.js';

const JOB_STATES = new Set(['running', 'paused', 'finished', 'cancelled']);
const TABLE_REFRESH_MS = 800;

export class JobPanel {
  /**
   * @param {object} o
   * @param {string} o.prefix        id prefix of the panel's elements
   * @param {string} o.root          id of the panel
   * @param {(message:object) => string} o.summary   the one-line summary of a progress message
   * @param {() => void} [o.onSettled]   called when the job finishes, pauses or is cancelled
   * @param {string} [o.stateWords]   i18n prefix of the job state words
   */
  constructor({ prefix, root, summary, onSettled, stateWords = 'bulk.state' }) {
    this.prefix = prefix;
    this.stateWords = stateWords;
    this.root = document.getElementById(root);
    if (this.root && this.root.dataset.jobPanel) renderPanel(this.root);
    this.summary = summary;
    this.onSettled = onSettled || (() => {});
    this.job = null;
    this.columns = [];
    this.refreshTimer = 0;
    this.expecting = false;
    const viewport = this.el('results');
    this.table = new VirtualTable({
      viewport,
      tbody: $('tbody', viewport),
      columns: 4,
      fetchPage: (offset, limit) => api.jobRows(this.job.id, offset, limit),
      renderRow: (row, index) => this.renderRow(row, index),
      renderPlaceholder: () => h('tr', { class: 'loading' }, h('td', { colspan: this.columns.length || 1, class: 'muted' }, t('bulk.loadingRow'))),
    });
    this.wire();
  }

  el(part) {
    return document.getElementById(`${this.prefix}-${part}`);
  }

  /** Columns: [{ key (row field, or 'row'/'status'/'message'), label (i18n key), cls }]. */
  setColumns(columns) {
    this.columns = columns;
    this.table.columns = columns.length;
    const head = this.el('results-head');
    clear(head);
    for (const column of columns) head.append(h('th', { scope: 'col' }, t(column.label)));
  }

  renderRow(row, index) {
    const cells = this.columns.map((column) => {
      if (column.key === 'status') {
        const status = ['sent', 'skipped', 'failed', 'unknown', 'pending'].includes(row.status) ? row.status : 'unknown';
        const word = status === 'pending' && row.inDoubt ? 'checking' : status;
        return h('td', null, h('span', { class: `status status-${status === 'pending' ? 'pending' : status}` }, t(column.words ? `${column.words}.${word}` : `rowStatus.${word}`)));
      }
      const value = column.key === 'row' ? row.row ?? index + 1 : row[column.key];
      const text = value === null || value === undefined ? '' : String(value);
      return h('td', { class: column.cls || null, title: text || null }, text);
    });
    return h('tr', { class: `row-${row.status || 'sent'}` }, cells);
  }

  /** A job this panel now shows (just started, or resumed). `quiet`: shown where it is,
   * without scrolling to it or taking the focus (a screen whose own input keeps the focus). */
  attach(jobId, { state = 'running', quiet = false } = {}) {
    this.job = { id: jobId, state, last: null };
    this.root.hidden = false;
    clearError(this.el('job-error'));
    clearError(this.el('pause-reason'));
    this.el('export-path').textContent = '';
    this.el('job-summary').textContent = '';
    this.table.reset(0);
    this.renderState();
    if (quiet) return;
    const heading = this.el('job-title');
    heading.scrollIntoView({ block: 'start', behavior: 'smooth' });
    heading.focus({ preventScroll: true });
  }

  /** A channel for a job about to start: its first message may beat the command's answer. */
  channel() {
    this.expecting = true;
    return api.progressChannel((message) => this.onProgress(message));
  }

  started(jobId) {
    this.expecting = false;
    if (!this.job || this.job.id !== jobId) this.attach(jobId);
  }

  onProgress(message) {
    if (!message || typeof message !== 'object') return;
    if (!this.job || this.job.id !== message.jobId) {
      if (!this.expecting) return;
      this.attach(message.jobId, { state: message.state });
    }
    const state = JOB_STATES.has(message.state) ? message.state : 'running';
    this.job.state = state;
    this.job.last = message;
    const total = Number(message.total) || 0;
    const done = Math.max(0, total - (Number(message.remaining) || 0));
    const bar = this.el('job-progress');
    bar.max = Math.max(1, total);
    bar.value = Math.min(done, total);
    this.el('job-percent').textContent = t('format.percent', { n: state === 'finished' ? 100 : percentOf(done, total) });
    this.el('job-summary').textContent = this.summary(message);
    this.el('job-speed').textContent = speedLine(message);
    const reason = message.pauseReason;
    if (state === 'paused' && reason && reason.message) showError(this.el('pause-reason'), { message: reason.message, hint: reason.hint });
    else clearError(this.el('pause-reason'));
    this.renderState();
    this.refreshTable(state !== 'running');
    if (state !== 'running') this.onSettled(message);
  }

  refreshTable(now) {
    const apply = async () => {
      if (!this.job) return;
      try {
        const page = await api.jobRows(this.job.id, 0, 1);
        this.table.setTotal(Number(page.total) || 0);
      } catch {
        // The table keeps what it has; the next message tries again.
      }
      this.table.refreshVisible();
    };
    if (now) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = 0;
      apply();
      return;
    }
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = 0;
      apply();
    }, TABLE_REFRESH_MS);
  }

  renderState() {
    const state = this.job ? this.job.state : 'running';
    const el = this.el('job-state');
    const text = t(`${this.stateWords}.${state}`);
    if (el.textContent !== text) el.textContent = text;
    el.dataset.state = state;
    this.el('pause').hidden = state !== 'running';
    this.el('resume').hidden = state !== 'paused';
    this.el('cancel').hidden = !(state === 'running' || state === 'paused');
  }

  wire() {
    const errorArea = () => this.el('job-error');
    const control = (button, work) =>
      button.addEventListener('click', () =>
        withBusy(button, async () => {
          if (!this.job) return;
          clearError(errorArea());
          try {
            await work();
          } catch (err) {
            showError(errorArea(), err);
          }
          this.renderState();
        }),
      );
    control(this.el('pause'), async () => {
      await api.pauseJob(this.job.id);
      if (this.job.state === 'running') this.job.state = 'paused';
    });
    control(this.el('resume'), async () => {
      await api.resumeJob(this.job.id, api.progressChannel((message) => this.onProgress(message)));
      if (this.job.state === 'paused') this.job.state = 'running';
    });
    control(this.el('cancel'), async () => {
      await api.cancelJob(this.job.id);
      if (this.job.state === 'running' || this.job.state === 'paused') this.job.state = 'cancelled';
    });
    control(this.el('export'), async () => {
      const result = await api.exportJobResults(this.job.id);
      this.el('export-path').textContent = t('bulk.exported', { path: (result && result.path) || '' });
    });
  }

  /** Every row (or item) of the job, page by page. */
  async allRows() {
    const rows = [];
    for (let offset = 0; ; ) {
      const page = await api.jobRows(this.job.id, offset, 1000);
      rows.push(...page.rows);
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.total) return rows;
    }
  }

  formatCount(n) {
    return formatNumber(n);
  }
}

/** How fast the account's limiter lets a running job go ("8 at once · at most 4.5 a second ·
 *  Coupontools asked to slow down 3 times"); empty when the job does not run. */
export function speedLine(message) {
  const speed = message && message.state === 'running' ? message.speed : null;
  if (!speed || typeof speed !== 'object') return '';
  const atOnce = Number(speed.atOnce);
  if (!Number.isFinite(atOnce) || atOnce < 1) return '';
  const parts = [t(speed.automatic === false ? 'job.speed.fixed' : 'job.speed.automatic', { n: formatNumber(atOnce) })];
  const pace = Number(speed.perSecond);
  if (speed.perSecond !== null && speed.perSecond !== undefined && Number.isFinite(pace) && pace > 0) {
    parts.push(t('job.speed.perSecond', { n: formatNumber(pace, { maximumFractionDigits: 1 }) }));
  }
  const refused = Number(speed.refused);
  if (Number.isFinite(refused) && refused > 0) parts.push(t('job.speed.refused', { n: formatNumber(refused) }));
  return parts.join(' · ');
}

/** The panel's parts, drawn into its placeholder (see the top of this file). */
function renderPanel(root) {
  const prefix = root.dataset.jobPanel;
  const id = (part) => `${prefix}-${part}`;
  const titleId = id('job-title');
  const own = [...root.children];
  const before = own.filter((el) => el.hasAttribute('data-before-export'));
  const after = own.filter((el) => !el.hasAttribute('data-before-export'));
  const button = (part, cls, key, hidden) =>
    h('button', { type: 'button', id: id(part), class: `button ${cls}`, 'data-i18n': key, hidden }, t(key));
  root.setAttribute('role', 'region');
  root.setAttribute('aria-labelledby', titleId);
  root.replaceChildren(
    h('div', { class: 'card-head' },
      h('h2', { id: titleId, tabindex: '-1', 'data-i18n': root.dataset.panelTitle }, t(root.dataset.panelTitle)),
      h('span', { id: id('job-state'), class: 'job-state', dataset: { state: 'running' }, 'aria-live': 'polite' })),
    h('div', { class: 'progress-row' },
      h('progress', { id: id('job-progress'), max: '100', value: '0', 'aria-labelledby': titleId }),
      h('span', { id: id('job-percent'), class: 'job-percent' }, '0 %')),
    h('p', { id: id('job-summary'), class: 'rate-line', 'aria-live': 'polite' }),
    h('p', { id: id('job-speed'), class: 'rate-line speed-line' }),
    h('div', { id: id('pause-reason'), hidden: true }),
    h('div', { class: 'actions' },
      button('pause', 'secondary', 'bulk.pause'),
      button('resume', 'primary', 'bulk.resume', true),
      button('cancel', 'danger-outline', 'bulk.cancel'),
      before,
      button('export', 'ghost', 'bulk.export'),
      after),
    h('p', { id: id('export-path'), class: 'saved-note', 'aria-live': 'polite' }),
    h('div', { id: id('job-error'), hidden: true }),
    h('div', { id: id('results'), class: 'vtable', tabindex: '0', role: 'region', 'aria-labelledby': titleId },
      h('table', { class: 'table vtable-table' },
        h('colgroup', null, (root.dataset.columns || '').split(' ').filter(Boolean).map((c) => h('col', { class: `col-w-${c}` }))),
        h('thead', null, h('tr', { id: id('results-head') })),
        h('tbody', null))),
  );
}
