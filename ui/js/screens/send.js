// Send one coupon by e-mail: pick a campaign, type the customer, send, then hand the customer
// the link (copy, open, QR code).

import * as api from '../api.js';
import { $, withBusy, safeImage } from '../dom.js';
import { t, onLanguageChange } from '../i18n.js';
import { showError, clearError, showProblem, showFieldError, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { loadCampaigns, fillCampaignSelect, showLoadingCampaigns, fillCategorySelect, campaignName } from '../campaign-picker.js';
import { activeAccount, subscribe } from '../state.js';
import { copyText } from '../clipboard.js';
import * as firstSteps from './first-steps.js';
import { couponPaper } from '../paper.js';

const FIELDS = {
  campaign: 'campaign',
  email: 'email',
  firstName: 'first-name',
  lastName: 'last-name',
  subject: 'subject',
};

let campaigns = [];
let loadedFor = null; // `${accountId}|${onlyActive}` the select currently shows
let loadToken = 0;
let lastResult = null;
let paper = null; // "Print coupon (PDF)" of the coupon just sent

export function init() {
  paper = couponPaper($('#send-paper'), () => (lastResult && lastResult.singleUseUrl
    ? { campaign: lastResult.campaignName || '', url: lastResult.singleUseUrl, code: '', validUntil: '' }
    : null));
  const form = $('#send-form');
  clearFieldErrorsOnInput(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  $('#campaign-search').addEventListener('input', renderCampaigns);
  // Enter in the search box should not send a coupon by accident.
  $('#campaign-search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      $('#campaign').focus();
    }
  });
  $('#only-active').addEventListener('change', () => refreshCampaigns());
  $('#campaign-category').addEventListener('change', () => refreshCampaigns());
  $('#copy-url').addEventListener('click', copyUrl);
  $('#open-url').addEventListener('click', openUrl);
  subscribe(() => {
    // Another account has other campaigns, and a result from the old account would mislead.
    if (loadedFor !== null && !loadedFor.startsWith(`${accountId()}|`)) {
      loadedFor = null;
      hideResult();
    }
  });
  onLanguageChange(() => {
    renderCampaigns();
    if (lastResult) renderResult(lastResult, { focus: false });
  });
}

export function show() {
  firstSteps.refresh();
  fillCategorySelect($('#campaign-category'));
  const key = `${accountId()}|${$('#only-active').checked}|${$('#campaign-category').value}`;
  if (loadedFor !== key) refreshCampaigns();
}

function accountId() {
  const account = activeAccount();
  return account ? account.id : '';
}

async function refreshCampaigns({ force = false } = {}) {
  const select = $('#campaign');
  const errorArea = $('#campaign-error');
  const onlyActive = $('#only-active').checked;
  const category = $('#campaign-category').value;
  const token = ++loadToken;
  clearError(errorArea);
  showLoadingCampaigns(select);
  select.disabled = true;
  $('#campaign-count').textContent = '';
  try {
    const list = await loadCampaigns(onlyActive, { force, category });
    if (token !== loadToken) return;
    campaigns = list;
    loadedFor = `${accountId()}|${onlyActive}|${category}`;
    renderCampaigns();
  } catch (err) {
    if (token !== loadToken) return;
    campaigns = [];
    loadedFor = null;
    renderCampaigns();
    showError(errorArea, err, { retry: () => refreshCampaigns({ force: true }) });
  } finally {
    if (token === loadToken) select.disabled = false;
  }
}

function renderCampaigns() {
  const query = $('#campaign-search').value;
  const shown = fillCampaignSelect($('#campaign'), campaigns, query);
  const count = $('#campaign-count');
  if (campaigns.length === 0) count.textContent = '';
  else if (query.trim()) count.textContent = t('send.campaignsMatching', { count: shown, shown, total: campaigns.length });
  else count.textContent = t('send.campaignsCount', { count: campaigns.length });
}

function send() {
  const form = $('#send-form');
  const errorArea = $('#send-error');
  clearFieldErrors(form);
  clearError(errorArea);

  const campaign = $('#campaign').value;
  const email = $('#email').value.trim();
  if (!campaign) {
    showFieldError('campaign', { message: t('send.chooseCampaign') });
    return;
  }
  if (!email) {
    showFieldError('email', { message: t('send.emailRequired') });
    return;
  }
  const input = {
    campaign,
    email,
    firstName: $('#first-name').value.trim(),
    lastName: $('#last-name').value.trim(),
    subject: $('#subject').value.trim(),
    checkUnique: $('#check-unique').checked,
  };

  withBusy($('#send-button'), async () => {
    hideResult();
    try {
      const result = await api.sendCouponEmail(input);
      firstSteps.refresh();
      renderResult({ ...(result || {}), campaignName: campaignName(campaigns, campaign) }, { focus: true });
      // Ready for the next customer; campaign and subject usually stay the same.
      $('#email').value = '';
      $('#first-name').value = '';
      $('#last-name').value = '';
    } catch (err) {
      showProblem(err, { fields: FIELDS, box: errorArea });
    }
  });
}

function hideResult() {
  lastResult = null;
  $('#send-result').hidden = true;
  $('#copy-feedback').textContent = '';
  clearError($('#result-error'));
  $('#result-qr').removeAttribute('src');
}

function renderResult(result, { focus }) {
  lastResult = result;
  paper.reset();
  const already = Boolean(result.alreadySent);
  $('#send-result-title').textContent = t(already ? 'send.result.titleAlready' : 'send.result.title');
  $('#already-sent-note').hidden = !already;
  $('#send-confirmed-note').hidden = !(result.confirmedAfterInterruption && !already);
  $('#send-result').classList.toggle('already', already);
  $('#result-receiver').textContent = result.receiver || '';
  const url = typeof result.singleUseUrl === 'string' ? result.singleUseUrl : '';
  $('#result-url').textContent = url || t('send.result.noUrl');
  $('#copy-url').disabled = !url;
  $('#open-url').disabled = !url;
  $('#send-paper').hidden = !url;
  const qr = safeImage(result.qrDataUrl);
  const img = $('#result-qr');
  if (qr && url) img.src = qr;
  else img.removeAttribute('src');
  img.closest('figure').hidden = !(qr && url);
  $('#send-result').hidden = false;
  $('#send-announce').textContent = t(already ? 'send.announceAlready' : 'send.announceSent', { email: result.receiver || '' });
  if (focus) $('#send-result-title').focus();
}

async function copyUrl() {
  const url = lastResult && lastResult.singleUseUrl;
  if (!url) return;
  const feedback = $('#copy-feedback');
  const ok = await copyText(url);
  feedback.textContent = t(ok ? 'send.result.copied' : 'send.result.copyFailed');
  if (!ok) {
    // Select the link so Ctrl+C works by hand.
    const range = document.createRange();
    range.selectNodeContents($('#result-url'));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
}

function openUrl() {
  const url = lastResult && lastResult.singleUseUrl;
  if (!url) return;
  const button = $('#open-url');
  withBusy(button, async () => {
    clearError($('#result-error'));
    try {
      await api.openUrl(url);
    } catch (err) {
      showError($('#result-error'), err);
    }
  });
}
