// Campaign lists for the send and list screens: fetched once per account and filter, kept
// until the active account changes, and drawn into a <select> that can be searched.

import * as api from './api.js';
import { activeAccount, subscribe } from './state.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

const cache = new Map(); // `${accountId}|${onlyActive}` → Promise<Campaign[]>
let cachedFor = null;

subscribe(() => {
  const id = activeAccount() ? activeAccount().id : null;
  if (id !== cachedFor) {
    cache.clear();
    cachedFor = id;
  }
});

/** Campaigns of the active account; `force` asks the server again. Rejects with an app error. */
export function loadCampaigns(onlyActive, { force = false } = {}) {
  const account = activeAccount();
  const key = `${account ? account.id : ''}|${Boolean(onlyActive)}`;
  if (force) cache.delete(key);
  if (!cache.has(key)) {
    const promise = api.listCampaigns(Boolean(onlyActive)).then((list) => (Array.isArray(list) ? list : []));
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
