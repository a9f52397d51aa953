// Paper: "Print coupon (PDF)" beside a coupon (a receipt printer's roll or an A6 card) and the
// "Print the links on paper" form of a links job. Each draws its own markup into a placeholder:
//   <div data-coupon-paper="link"></div>          → ids link-paper-size, link-paper-save, …
//   <div data-link-sheet="links" hidden></div>    → ids links-sheet-layout, links-sheet-save, …
// The PDF goes to Downloads; "Open to print" hands it to the computer's PDF viewer.

import * as api from './api.js';
import { $, h, withBusy } from './dom.js';
import { t } from './i18n.js';
import { showError, clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from './errors.js';
import { formatNumber } from './format.js';

const label = (key, forId) => h('label', { for: forId, 'data-i18n': key }, t(key));
const option = (value, key) => h('option', { value, 'data-i18n': key }, t(key));

/** Where a saved PDF went, with "Open to print" beside it. */
function savedNote(id) {
  const note = h('span', { id: id('saved') });
  const open = h('button', { type: 'button', id: id('open'), class: 'button small secondary', 'data-i18n': 'paper.open', hidden: true }, t('paper.open'));
  const line = h('p', { class: 'saved-note paper-saved', 'aria-live': 'polite' }, note, ' ', open);
  let path = '';
  return {
    line,
    set(saved, errorBox) {
      path = (saved && saved.path) || '';
      note.textContent = path ? t('paper.savedTo', { path }) : '';
      open.hidden = !path;
      open.onclick = () => withBusy(open, async () => {
        clearError(errorBox);
        try {
          await api.openSavedPdf(path);
        } catch (err) {
          showError(errorBox, err);
        }
      });
    },
  };
}

/**
 * "Print coupon (PDF)" for the coupon `getCoupon()` returns ({ campaign, url, code, validUntil }
 * or null when there is none to print).
 */
export function couponPaper(root, getCoupon) {
  const prefix = root.dataset.couponPaper;
  const id = (part) => `${prefix}-paper-${part}`;
  const size = h('select', { id: id('size') },
    option('roll80', 'paper.coupon.roll80'), option('roll58', 'paper.coupon.roll58'), option('a6', 'paper.coupon.a6'));
  const save = h('button', { type: 'button', id: id('save'), class: 'button ghost', 'data-i18n': 'paper.coupon.button' }, t('paper.coupon.button'));
  const errorBox = h('div', { id: id('error'), hidden: true });
  const saved = savedNote(id);
  root.classList.add('paper-coupon');
  root.replaceChildren(
    h('div', { class: 'field-row paper-row' }, h('div', { class: 'field' }, label('paper.coupon.size', id('size')), size), h('div', { class: 'field paper-go' }, save)),
    saved.line,
    errorBox,
  );
  save.addEventListener('click', () => withBusy(save, async () => {
    clearError(errorBox);
    const coupon = getCoupon();
    if (!coupon) return;
    try {
      saved.set(await api.saveCouponPdf(coupon, size.value), errorBox);
    } catch (err) {
      saved.set(null, errorBox);
      showError(errorBox, err);
    }
  }));
  return { reset: () => { saved.set(null, errorBox); clearError(errorBox); } };
}

const SHEET_FIELDS = { layout: 'layout', paper: 'paper', columns: 'columns', rows: 'rows', title: 'title', line: 'line', from: 'from', to: 'to' };

/** The "Print the links on paper" form of a links job: `jobId()` names the job. */
export class LinkSheet {
  constructor(root, { jobId, defaultTitle }) {
    this.root = root;
    this.jobId = jobId;
    this.defaultTitle = defaultTitle;
    const prefix = root.dataset.linkSheet;
    const id = (part) => `${prefix}-sheet-${part}`;
    this.id = id;
    const input = (part, attrs = {}) => h('input', { id: id(part), type: 'text', autocomplete: 'off', ...attrs });
    const field = (part, key, control, cls = 'field') => h('div', { class: cls }, label(key, id(part)), control);
    this.layout = h('select', { id: id('layout') },
      option('a4-3x8', 'paper.sheet.a4'), option('letter-3x10', 'paper.sheet.letter'), option('grid', 'paper.sheet.grid'));
    this.paper = h('select', { id: id('paper') }, h('option', { value: 'a4' }, 'A4'), h('option', { value: 'letter' }, 'Letter'));
    this.columns = input('columns', { inputmode: 'numeric', value: '3', size: '3' });
    this.rows = input('rows', { inputmode: 'numeric', value: '8', size: '3' });
    this.title = input('title', { maxlength: '120' });
    this.line = input('line', { maxlength: '200' });
    this.from = input('from', { inputmode: 'numeric', size: '7', 'aria-describedby': id('part-hint') });
    this.to = input('to', { inputmode: 'numeric', size: '7', 'aria-describedby': id('part-hint') });
    this.grid = h('div', { class: 'field-row', hidden: true },
      field('paper', 'paper.sheet.paper', this.paper), field('columns', 'paper.sheet.columns', this.columns), field('rows', 'paper.sheet.rows', this.rows));
    this.save = h('button', { type: 'submit', id: id('save'), class: 'button primary', 'data-i18n': 'paper.sheet.save' }, t('paper.sheet.save'));
    this.stop = h('button', { type: 'button', id: id('stop'), class: 'button danger-outline', 'data-i18n': 'paper.sheet.stop', hidden: true }, t('paper.sheet.stop'));
    this.progress = h('progress', { id: id('progress'), max: '100', value: '0', hidden: true, 'aria-labelledby': id('heading') });
    this.status = h('p', { id: id('status'), class: 'rate-line', 'aria-live': 'polite' });
    this.errorBox = h('div', { id: id('error'), hidden: true });
    this.saved = savedNote(id);
    this.form = h('form', { id: id('form'), novalidate: true, 'aria-labelledby': id('heading') },
      h('h3', { id: id('heading'), tabindex: '-1', 'data-i18n': 'paper.sheet.title' }, t('paper.sheet.title')),
      h('p', { class: 'field-hint', 'data-i18n': 'paper.sheet.intro' }, t('paper.sheet.intro')),
      h('div', { class: 'field-row' }, field('layout', 'paper.sheet.layout', this.layout, 'field grow')),
      this.grid,
      h('div', { class: 'field-row' },
        field('title', 'paper.sheet.labelTitle', this.title, 'field grow'), field('line', 'paper.sheet.line', this.line, 'field grow')),
      h('div', { class: 'field-row' }, field('from', 'paper.sheet.from', this.from), field('to', 'paper.sheet.to', this.to)),
      h('p', { id: id('part-hint'), class: 'field-hint', 'data-i18n': 'paper.sheet.partHint' }, t('paper.sheet.partHint')),
      h('div', { class: 'form-actions' }, this.save, this.stop),
      this.progress, this.status, this.saved.line, this.errorBox);
    root.replaceChildren(this.form);
    clearFieldErrorsOnInput(this.form);
    this.runs = 0; // the run whose progress is shown; a late message of an earlier one is ignored
    this.shown = -1; // the last percentage said, so a screen reader hears a few, not thousands
    this.layout.addEventListener('change', () => { this.grid.hidden = this.layout.value !== 'grid'; });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.stop.addEventListener('click', () => api.stopLinksPdf().catch(() => {}));
  }

  /** Shows the form for the current job, the campaign's name as the title. */
  open() {
    if (!this.root.hidden) {
      $(`#${this.id('heading')}`).focus();
      return;
    }
    this.title.value = this.defaultTitle() || '';
    this.from.value = '';
    this.to.value = '';
    this.saved.set(null, this.errorBox);
    this.status.textContent = '';
    clearError(this.errorBox);
    clearFieldErrors(this.form);
    this.root.hidden = false;
    $(`#${this.id('heading')}`).focus();
  }

  hide() {
    this.root.hidden = true;
  }

  run() {
    const jobId = this.jobId();
    if (!jobId) return;
    clearFieldErrors(this.form);
    clearError(this.errorBox);
    this.saved.set(null, this.errorBox);
    const choice = {
      layout: this.layout.value,
      paper: this.paper.value,
      columns: this.columns.value,
      rows: this.rows.value,
      title: this.title.value,
      line: this.line.value,
      from: this.from.value,
      to: this.to.value,
    };
    const fields = Object.fromEntries(Object.entries(SHEET_FIELDS).map(([k, v]) => [k, this.id(v)]));
    const run = ++this.runs;
    this.shown = -1;
    withBusy(this.save, async () => {
      this.stop.hidden = false;
      this.progress.hidden = false;
      this.progress.value = 0;
      this.status.textContent = '';
      try {
        const channel = api.progressChannel((message) => this.onProgress(run, message));
        this.saved.set(await api.saveLinksPdf(jobId, choice, channel), this.errorBox);
      } catch (err) {
        showProblem(err, { fields, box: this.errorBox });
      } finally {
        this.runs += 1; // this run's late progress messages are not shown
        const stopHadFocus = document.activeElement === this.stop;
        this.stop.hidden = true;
        this.progress.hidden = true;
        this.status.textContent = '';
        if (stopHadFocus) this.save.focus();
      }
    });
  }

  onProgress(run, message) {
    if (run !== this.runs || !message || typeof message !== 'object') return;
    const done = Number(message.done) || 0;
    const total = Number(message.total) || 0;
    const percent = total ? Math.floor((done * 100) / total) : 0;
    this.progress.value = percent;
    // The line is a live region: it changes every tenth, not after each of 4 000 pages.
    const tenth = Math.floor(percent / 10);
    if (tenth === this.shown) return;
    this.shown = tenth;
    this.status.textContent = t('paper.sheet.progress', { done: formatNumber(done), total: formatNumber(total) });
  }
}
