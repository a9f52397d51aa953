// Coupon details: everything Coupontools holds about one coupon, read-only — its state in words,
// every date, its link with Copy and a QR code, and the customer only when the person opens
// that part (a counter has onlookers).

import * as api from '../api.js';
import { $, withBusy, safeImage } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { clearError, showProblem, clearFieldErrors } from '../errors.js';
import { formatDateTime } from '../format.js';
import { copyText } from '../clipboard.js';
import { loadCampaigns } from '../campaign-picker.js';

const STATES = new Set(['valid', 'used', 'voided', 'expired', 'locked', 'not_found']);
let current = null; // the details on screen

export function init() {
  $('#coupon-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUp();
  });
  $('#coupon-copy').addEventListener('click', copyLink);
  onLanguageChange(() => {
    if (current) render(current);
  });
}

function lookUp() {
  const text = $('#coupon-input').value.trim();
  clearError($('#coupon-error'));
  clearFieldErrors($('#coupon-form'));
  withBusy($('#coupon-look-up'), async () => {
    try {
      render(await api.call('coupon_details', { text }));
      $('#coupon-state').focus();
    } catch (err) {
      // The card of an earlier coupon must not look like the answer to this one.
      current = null;
      $('#coupon-result').hidden = true;
      showProblem(err, { fields: { code: 'coupon-input' }, box: $('#coupon-error') });
      $('#coupon-input').select();
    }
  });
}

async function campaignName(id) {
  try {
    const campaign = (await loadCampaigns()).find((c) => c.id === id);
    return campaign ? `${campaign.name} (${id})` : id;
  } catch {
    return id;
  }
}

function when(value) {
  return value ? formatDateTime(value) : '—';
}

function render(details) {
  // A new coupon starts with its customer folded away again (a language change keeps it).
  if (details !== current) $('#coupon-customer-box').open = false;
  current = details;
  const state = STATES.has(details.state) ? details.state : 'not_found';
  const s = details.session;
  const box = $('#coupon-result');
  box.dataset.state = state;
  box.hidden = false;
  $('#coupon-state').textContent = s
    ? t(`coupon.state.${state}`)
    : t('coupon.state.not_found', { code: details.scanned });
  for (const part of box.querySelectorAll('.details, .actions, #coupon-customer-box')) part.hidden = !s;
  $('#coupon-copy-feedback').textContent = '';
  if (!s) {
    $('#coupon-qr-figure').hidden = true;
    return;
  }
  $('#coupon-campaign').textContent = s.campaign;
  campaignName(s.campaign).then((name) => {
    if (current === details) $('#coupon-campaign').textContent = name;
  });
  $('#coupon-code').textContent = s.code;
  $('#coupon-short-code').textContent = s.code.slice(0, 6);
  $('#coupon-own-code').textContent = s.ownValidationCode || '—';
  $('#coupon-sequence').textContent = s.sequenceId == null ? '—' : String(s.sequenceId);
  $('#coupon-custom-id').textContent = s.customId || '—';
  $('#coupon-created').textContent = when(s.createdAt);
  $('#coupon-opened').textContent = when(s.openedAt);
  $('#coupon-claimed').textContent = when(s.claimedAt);
  $('#coupon-used').textContent = s.validated ? when(s.validatedAt) : t('coupon.not');
  $('#coupon-voided').textContent = s.voided ? when(s.voidedAt) : t('coupon.not');
  $('#coupon-expires').textContent = when(s.expiresAt);
  $('#coupon-link').textContent = s.url || '—';
  $('#coupon-copy').disabled = !s.url;
  const qr = safeImage(details.qrDataUrl);
  if (qr && s.url) $('#coupon-qr').src = qr;
  else $('#coupon-qr').removeAttribute('src');
  $('#coupon-qr-figure').hidden = !(qr && s.url);
  $('#coupon-name').textContent = [s.firstName, s.lastName].filter(Boolean).join(' ') || '—';
  $('#coupon-email').textContent = s.email || '—';
  $('#coupon-phone').textContent = s.phone || '—';
}

async function copyLink() {
  const url = current && current.session && current.session.url;
  if (!url) return;
  const ok = await copyText(url);
  $('#coupon-copy-feedback').textContent = t(ok ? 'coupon.copied' : 'coupon.copyFailed');
}
