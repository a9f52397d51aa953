// Campaign lists for the send and list screens: fetched once per account and filter, kept
// until the active account changes, and drawn into a <select> that can be searched.

import * as api from './api.js';
import { activeAccount, subscribe } from './state.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

const cache = new Map(); // `${accountId}|${onlyActive}|${category}` → Promise<Campaign[]>
let cachedFor = null;
let categories = null; // Promise<Category[]> of the account, for the pickers' category filter

subscribe(() => {
  const id = activeAccount() ? activeAccount().id : null;
  if (id !== cachedFor) {
    cache.clear();
    categories = null;
    cachedFor = id;
  }
});

/**
 * Campaigns of the active account, of one category when `category` (a `cat_…` ID) is given;
 * `force` asks the server again. Rejects with an app error.
 */
export function loadCampaigns(onlyActive, { force = false, category = '' } = {}) {
  const account = activeAccount();
  const key = `${account ? account.id : ''}|${Boolean(onlyActive)}|${category || ''}`;
  if (force) cache.delete(key);
  if (!cache.has(key)) {
    const promise = api.listCampaigns(Boolean(onlyActive), category || null).then((list) => (Array.isArray(list) ? list : []));
    // A failed fetch must not stay cached, or the screen could never recover.
    promise.catch(() => {
      if (cache.get(key) === promise) cache.delete(key);
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

function isActive(campaign) {
  const status = String(campaign.status ?? '').toLowerCase();
  return status === '' || status === 'active' || status === '1' || status === 'true';
}

/** The name of campaign `id` in `campaigns`, or '' (for what is printed on paper). */
export function campaignName(campaigns, id) {
  const found = campaigns.find((c) => String(c.id) === String(id));
  return found ? String(found.name || found.title || '') : '';
}

export function campaignLabel(campaign) {
  const name = campaign.name || campaign.title || campaign.id;
  const base = `${name} (${campaign.id})`;
  return isActive(campaign) ? base : `${base} — ${t('campaigns.inactive')}`;
}

export function campaignMatches(campaign, query) {
  const q = String(query || '').trim().toLowerCase();
  if (!q) return true;
  return [campaign.name, campaign.title, campaign.id, campaign.code]
    .some((v) => v !== null && v !== undefined && String(v).toLowerCase().includes(q));
}

/**
 * Draw `campaigns` (filtered by `query`) into `select`, keeping the chosen campaign when it is
 * still listed. Returns how many are shown.
 */
export function fillCampaignSelect(select, campaigns, query = '') {
  const previous = select.value;
  const shown = campaigns.filter((c) => campaignMatches(c, query));
  clear(select);
  if (campaigns.length === 0) {
    select.append(h('option', { value: '' }, t('campaigns.none')));
  } else if (shown.length === 0) {
    select.append(h('option', { value: '' }, t('campaigns.noMatch')));
  } else {
    select.append(h('option', { value: '' }, t('campaigns.choose')));
    for (const c of shown) select.append(h('option', { value: String(c.id) }, campaignLabel(c)));
    if (shown.some((c) => String(c.id) === previous)) select.value = previous;
    else if (shown.length === 1) select.value = String(shown[0].id);
  }
  return shown.length;
}

/** Put the select into a "Loading…" state while campaigns are fetched. */
export function showLoadingCampaigns(select) {
  clear(select);
  select.append(h('option', { value: '' }, t('campaigns.loading')));
}

/**
 * Fill a picker's category filter with the account's categories (asked once per account).
 * The first option is "All categories" (value ''); the chosen one is kept when still listed.
 * A failure leaves only "All categories": the picker works without the filter.
 */
export async function fillCategorySelect(select) {
  if (!categories) {
    categories = api.categoryLists().then((lists) => (lists && Array.isArray(lists.categories) ? lists.categories : []));
    categories.catch(() => {
      categories = null;
    });
  }
  const previous = select.value;
  let list = [];
  try {
    list = await categories;
  } catch {
    list = [];
  }
  clear(select);
  select.append(h('option', { value: '' }, t('campaigns.allCategories')));
  for (const c of list) select.append(h('option', { value: String(c.id) }, c.name || c.id));
  if (list.some((c) => String(c.id) === previous)) select.value = previous;
}
