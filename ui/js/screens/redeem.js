// Redeem at the counter: one big input that always has the focus. A scanner types the code and
// Enter; the answer comes in one glance, in words and colour; Enter on "Mark as used" confirms.

import * as api from '../api.js';
import { $, h, withBusy } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, clearFieldErrors } from '../errors.js';
import { formatDateTime } from '../format.js';
import { loadCampaigns } from '../campaign-picker.js';
import { initMany, showMany } from './redeem-many.js';
import { couponPaper } from '../paper.js';

const STATES = new Set(['valid', 'used', 'voided', 'expired', 'locked', 'not_found']);
const RESULTS = new Set([...STATES, 'marked', 'markedVoided', 'markedUnvoided']);
const shift = []; // { at, code, result } newest first
let current = null; // the RedeemView on screen
let paper = null; // "Print coupon (PDF)" of the coupon on screen
// The scan input takes the focus whenever the screen is shown, not the heading: a scanner types
// into whatever has the focus. Its label and the screen's intro say where the person is.
export const ownsFocus = true;
let names = new Map(); // campaign id → name, from the (cached) campaign list

export function init() {
  paper = couponPaper($('#redeem-paper'), () => {
    const s = current && current.session;
    if (!s || !s.url) return null;
    return { campaign: names.get(s.campaign) || '', url: s.url, code: s.ownValidationCode || '', validUntil: s.expiresAt || '' };
  });
  $('#redeem-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookup();
  });
  $('#redeem-use').addEventListener('click', markUsed);
  $('#redeem-void').addEventListener('click', () => setVoid(true));
  $('#redeem-unvoid').addEventListener('click', () => setVoid(false));
  // Enter in the amount field confirms "Mark as used", like the button.
  $('#redeem-amount').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      markUsed();
    }
  });
  $('#redeem-export').addEventListener('click', exportShift);
  initMany({ remember: (code, result) => remember(code, result, null) });
  onLanguageChange(() => {
    if (current) render(current);
    renderShift();
  });
}

export function show(options = {}) {
  // The first steps card hands over a practice coupon, ready to scan with Enter.
  if (typeof options.scan === 'string') $('#redeem-input').value = options.scan;
  $('#redeem-input').focus();
  showMany();
  // Names for the answers, without a call between the scan and the answer.
  loadCampaigns(false)
    .then((list) => {
      names = new Map(list.map((c) => [c.id, c.name || c.title || c.id]));
      if (current) render(current);
    })
    .catch(() => {});
}

let looking = false;

async function lookup() {
  const input = $('#redeem-input');
  const text = input.value.trim();
  clearError($('#redeem-error'));
  clearFieldErrors($('#redeem-form'));
  if (!text || looking) return;
  looking = true;
  input.setAttribute('aria-busy', 'true');
  const scanned = performance.now();
  try {
    const view = await api.redeemLookup(text);
    // The benchmark reads how long a scan took to answer, painted.
    requestAnimationFrame(() => {
      document.body.dataset.scanToAnswerMs = String(Math.round(performance.now() - scanned));
    });
    render(view);
    remember(view.scanned, view.state, view.session);
    input.value = '';
    // Valid: Enter marks it used. Otherwise the next scan can come at once.
    if (view.state === 'valid') $('#redeem-use').focus();
    else input.focus();
  } catch (err) {
    showProblem(err, { fields: { code: 'redeem-input' }, box: $('#redeem-error') });
    input.select();
  } finally {
    looking = false;
    input.removeAttribute('aria-busy');
  }
}

function words(view) {
  const s = view.session || {};
  switch (view.state) {
    case 'valid': return t('redeem.state.valid');
    case 'used': return t('redeem.state.used', { when: formatDateTime(s.validatedAt) || '—' });
    case 'voided': return t('redeem.state.voided');
    case 'expired': return t('redeem.state.expired', { when: formatDateTime(s.expiresAt) || '—' });
    case 'locked': return t('redeem.state.locked');
    default: return t('redeem.state.not_found');
  }
}

function render(view) {
  current = view;
  const state = STATES.has(view.state) ? view.state : 'not_found';
  const box = $('#redeem-result');
  box.dataset.state = state;
  box.hidden = false;
  $('#redeem-answer').textContent = words({ ...view, state });
  const s = view.session;
  $('#redeem-campaign').textContent = s ? `${names.get(s.campaign) || ''} (${s.campaign})`.trim() : '—';
  const customer = s ? [s.firstName, s.lastName].filter(Boolean).join(' ') : '';
  $('#redeem-customer').textContent = s ? [customer, s.email, s.phone].filter(Boolean).join(' · ') || '—' : '—';
  $('#redeem-code').textContent = s ? [s.code, s.ownValidationCode].filter(Boolean).join(' · ') : view.scanned;
  $('#redeem-dates').textContent = s
    ? [
      s.createdAt ? t('redeem.created', { when: formatDateTime(s.createdAt) }) : null,
      s.expiresAt ? t('redeem.expires', { when: formatDateTime(s.expiresAt) }) : null,
    ].filter(Boolean).join(' · ') || '—'
    : '—';
  $('#redeem-use').hidden = state !== 'valid';
  $('#redeem-void').hidden = !s || state === 'voided';
  $('#redeem-unvoid').hidden = state !== 'voided';
  $('#redeem-amount').closest('.field').hidden = state !== 'valid';
  $('#redeem-paper').hidden = !(s && s.url);
  paper.reset();
  clearError($('#redeem-action-error'));
}

function remember(code, result, session) {
  shift.unshift({ at: new Date().toISOString(), code: session ? session.code : code, result });
  renderShift();
}

function renderShift() {
  const body = $('#redeem-shift');
  body.replaceChildren(
    ...shift.map((scan) =>
      h('tr', null,
        h('td', null, formatDateTime(scan.at)),
        h('td', { class: 'break' }, scan.code),
        h('td', null, t(`redeem.result.${RESULTS.has(scan.result) ? scan.result : 'not_found'}`))),
    ),
  );
}

function act(button, work) {
  if (!current || !current.session) return;
  const errorArea = $('#redeem-action-error');
  clearError(errorArea);
  withBusy(button, async () => {
    try {
      await work();
    } catch (err) {
      // A refusal (used meanwhile, voided) is shown with the coupon as it is now.
      try {
        render(await api.redeemLookup(current.session.code));
      } catch {
        // The error below says enough.
      }
      showProblem(err, { fields: { validationValue: 'redeem-amount', amount: 'redeem-amount' }, box: errorArea });
    }
    $('#redeem-input').focus();
  });
}

function markUsed() {
  act($('#redeem-use'), async () => {
    const outcome = await api.redeemMarkUsed(current.session.code, $('#redeem-amount').value.trim());
    render(outcome.view);
    $('#redeem-answer').textContent = t(outcome.confirmedAfterInterruption ? 'redeem.markedConfirmed' : 'redeem.marked');
    $('#redeem-amount').value = '';
    remember(outcome.view.session.code, 'marked', outcome.view.session);
  });
}

function setVoid(voided) {
  act($(voided ? '#redeem-void' : '#redeem-unvoid'), async () => {
    const outcome = await api.redeemVoid(current.session.code, voided);
    render(outcome.view);
    remember(outcome.view.session.code, voided ? 'markedVoided' : 'markedUnvoided', outcome.view.session);
  });
}

function exportShift() {
  withBusy($('#redeem-export'), async () => {
    try {
      const scans = shift.map((s) => ({ at: s.at, code: s.code, result: s.result }));
      const saved = await api.exportShift(scans);
      $('#redeem-export-path').textContent = t('links.savedTo', { path: (saved && saved.path) || '' });
    } catch (err) {
      showError($('#redeem-action-error'), err);
    }
  });
}
