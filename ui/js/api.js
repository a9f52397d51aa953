// The one door to the Rust side. Every rejection comes out as the same plain shape
// `{ kind, message, hint, code, field }`, so screens never have to guess what they caught.

import { t } from './i18n.js';

function core() {
  return window.__TAURI__ && window.__TAURI__.core;
}

function text(value) {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/**
 * Turn whatever a command rejected with into `{ kind, message, hint, code, field }`.
 * Our commands reject with that shape already; anything else (a bare string from Tauri such as
 * "command not allowed", an Error thrown in JS) is not meant for a shop assistant, so it becomes
 * a generic friendly error and the raw value goes to the console for whoever debugs it.
 */
export function normaliseError(raw) {
  if (raw && typeof raw === 'object' && !(raw instanceof Error) && text(raw.message) && text(raw.kind)) {
    return {
      kind: raw.kind,
      message: raw.message,
      hint: text(raw.hint),
      code: raw.code ?? null,
      field: text(raw.field),
    };
  }
  console.warn('Unexpected error from the app:', raw);
  return {
    kind: 'unexpected',
    message: t('error.unexpected.message'),
    hint: t('error.unexpected.hint'),
    code: null,
    field: null,
  };
}

export async function call(cmd, args) {
  const c = core();
  if (!c || typeof c.invoke !== 'function') {
    throw {
      kind: 'no_backend',
      message: t('error.noBackend.message'),
      hint: t('error.noBackend.hint'),
      code: null,
      field: null,
    };
  }
  try {
    return await c.invoke(cmd, args || {});
  } catch (raw) {
    throw normaliseError(raw);
  }
}

/** A Tauri Channel that hands every message to `onMessage`. */
export function progressChannel(onMessage) {
  const c = core();
  if (!c || typeof c.Channel !== 'function') {
    throw normaliseError(null);
  }
  const channel = new c.Channel();
  channel.onmessage = onMessage;
  return channel;
}

// Phase 1: accounts and preferences.
export const appStatus = () => call('app_status');
export const firstSteps = () => call('first_steps');
export const showFirstSteps = (show) => call('show_first_steps', { show });
export const practiceCoupon = () => call('practice_coupon');
export const listAccounts = () => call('list_accounts');
export const addAccount = (input) => call('add_account', { input });
export const updateAccount = (id, input) => call('update_account', { id, input });
export const removeAccount = (id) => call('remove_account', { id });
export const setActiveAccount = (id) => call('set_active_account', { id });
export const testConnection = (id) => call('test_connection', { id });
export const startPracticeMode = () => call('start_practice_mode');
export const getPreferences = () => call('get_preferences');
export const setPreferences = (prefs) => call('set_preferences', { prefs });
export const setUiLanguage = (lang) => call('set_ui_language', { lang });

// Phase 2: e-mail coupons, history, list jobs.
export const listCampaigns = (onlyActive, category) => call('list_campaigns', { onlyActive: Boolean(onlyActive), category: category || null });
export const sendCouponEmail = (input) => call('send_coupon_email', { input });
export const openUrl = (url) => call('open_url', { url });
export const listHistory = (filter) => call('list_history', { filter });
export const exportHistory = (filter) => call('export_history', { filter });
export const today = (dayStartMs) => call('today', { dayStartMs });
export const tellMidnight = (dayStartMs) => call('tell_midnight', { dayStartMs });
export const refreshToday = () => call('refresh_today');
export const exportToday = (dayStartMs) => call('export_today', { dayStartMs });
export const previewEmailList = (text, mapping) => call('preview_email_list', { text, mapping: mapping ?? null });
export const pickListFile = () => call('pick_list_file');
export const saveListTemplate = () => call('save_list_template');
export const startEmailJob = (input, onProgress) => call('start_email_job', { input, onProgress });
export const pauseJob = (jobId) => call('pause_job', { jobId });
export const resumeJob = (jobId, onProgress) => call('resume_job', { jobId, onProgress });
export const cancelJob = (jobId) => call('cancel_job', { jobId });
export const unfinishedJobs = (kind) => call('unfinished_jobs', { kind: kind ?? null });
export const jobRows = (jobId, offset, limit) => call('job_rows', { jobId, offset, limit });
export const exportJobResults = (jobId) => call('export_job_results', { jobId });

// Single-use links.
export const createSingleUseLink = (input) => call('create_single_use_link', { input });
export const startLinksJob = (input, onProgress) => call('start_links_job', { input, onProgress });
export const checkLinksToRemove = (text) => call('check_links_to_remove', { text });
export const startRemovalJob = (links, onProgress) => call('start_removal_job', { links, onProgress });
export const saveLinkQr = (url, format) => call('save_link_qr', { url, format });
export const exportLinksQrZip = (jobId) => call('export_links_qr_zip', { jobId });
export const saveLinksPdf = (jobId, choice, onProgress) => call('save_links_pdf', { jobId, choice, onProgress });
export const stopLinksPdf = () => call('stop_links_pdf');
export const saveCouponPdf = (coupon, size) => call('save_coupon_pdf', { coupon, size });
export const openSavedPdf = (path) => call('open_saved_pdf', { path });

// Loyalty cards and members.
export const loyaltyCards = () => call('loyalty_cards');
export const loyaltyMembers = (card, includeVoided, onProgress) => call('loyalty_members', { card, includeVoided: Boolean(includeVoided), onProgress });
export const loyaltyMember = (card, member) => call('loyalty_member', { card, member });
export const createLoyaltyMember = (card, fields) => call('create_loyalty_member', { card, fields });
export const updateLoyaltyMember = (card, member, fields) => call('update_loyalty_member', { card, member, fields });
export const addLoyaltyStamps = (card, member, amount, before, note) => call('add_loyalty_stamps', { card, member, amount, before, note: note || null });
export const useLoyaltyRewards = (card, member, rewardIds) => call('use_loyalty_rewards', { card, member, rewardIds });
export const voidLoyaltyMember = (card, member) => call('void_loyalty_member', { card, member });
export const deleteLoyaltyMember = (card, member, typedName) => call('delete_loyalty_member', { card, member, typedName });
export const pushLoyaltyMessage = (card, message, members) => call('push_loyalty_message', { card, message, members: members ?? null });
export const copyLoyaltyCard = (card, name) => call('copy_loyalty_card', { card, name: name || null });
export const previewMemberImport = (text, mapping) => call('preview_member_import', { text, mapping: mapping ?? null });
export const startMemberImport = (card, cardName, text, mapping, onProgress) => call('start_member_import', { card, cardName, text, mapping: mapping ?? null, onProgress });
export const exportLoyaltyMembers = (card, includeVoided) => call('export_loyalty_members', { card, includeVoided: Boolean(includeVoided) });

// At the counter.
export const redeemLookup = (text) => call('redeem_lookup', { text });
export const redeemMarkUsed = (code, amount) => call('redeem_mark_used', { code, amount: amount || null });
export const redeemVoid = (code, voided) => call('redeem_void', { code, void: Boolean(voided) });
export const exportShift = (scans) => call('export_shift', { scans });
export const checkRedeemMany = (text) => call('check_redeem_many', { text });
export const startRedeemManyJob = (lines, onProgress) => call('start_redeem_many_job', { lines, onProgress });

// Campaigns and their usage.
export const campaignDetails = (campaign) => call('campaign_details', { campaign });
export const campaignUsage = (campaign, list, start, end, onProgress) => call('campaign_usage', { campaign, list, start: start || null, end: end || null, onProgress });
export const cancelCampaignUsage = () => call('cancel_campaign_usage');
export const exportCampaignUsage = (campaign, list, start, end) => call('export_campaign_usage', { campaign, list, start: start || null, end: end || null });
export const findSessions = (search, campaign) => call('find_sessions', { search, campaign: campaign || null });
export const pushCampaignMessage = (campaign, message, session) => call('push_campaign_message', { campaign, message, session: session || null });

// Settings → About: version, folders, licences, updates
export const aboutInfo = () => call('about_info');
export const openAppFolder = (which) => call('open_app_folder', { which });
export const saveSupportFile = () => call('save_support_file');
export const dependencyLicences = () => call('dependency_licences');
export const checkForUpdate = () => call('check_for_update');
export const installUpdate = () => call('install_update');
export const pendingUpdate = () => call('pending_update');
// Directories and categories.
export const listDirectories = () => call('list_directories');
export const directoryDetails = (directory) => call('directory_details', { directory });
export const directoryMembers = (directory, onProgress) => call('directory_members', { directory, onProgress });
export const cancelDirectoryMembers = () => call('cancel_directory_members');
export const setMemberPayment = (directory, user, payment) => call('set_member_payment', { directory, user, payment });
export const startPaymentJob = (input, onProgress) => call('start_payment_job', { input, onProgress });
export const exportDirectoryMembers = (directory, paymentStatus) => call('export_directory_members', { directory, paymentStatus: paymentStatus || null });
export const categoryLists = () => call('category_lists');

// Subaccounts.
export const listSubaccounts = () => call('list_subaccounts');
export const subaccountDetails = (subaccount) => call('subaccount_details', { subaccount });
export const createSubaccount = (input) => call('create_subaccount', { input });
export const updateSubaccount = (subaccount, input) => call('update_subaccount', { subaccount, input });
export const subaccountResetUrl = (subaccount) => call('subaccount_reset_url', { subaccount });
export const subaccountLogin = (subaccount) => call('subaccount_login', { subaccount });
export const addSubaccountAsAccount = (subaccount) => call('add_subaccount_as_account', { subaccount });
export const listCampaignsFiltered = (filter) => call('list_campaigns_filtered', { filter });
export const campaignUsageRows = (offset, limit) => call('campaign_usage_rows', { offset, limit });
