// History: what this computer sent, searchable, exportable.

import * as api from '../api.js';
import { $, h, clear, withBusy, debounce } from '../dom.js';
import { t, tOr, onLanguageChange } from '../i18n.js';
import { showError, clearError } from '../errors.js';
import { formatDateTime } from '../format.js';

const LIMIT = 500;
const OUTCOMES = new Set(['ok', 'skipped', 'failed', 'unknown']);

let loadToken = 0;
let entries = [];

export function init() {
  const reload = debounce(load, 250);
  $('#history-filter').addEventListener('input', reload);
  $('#history-filter').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      load();
    }
  });
  $('#history-outcome').addEventListener('change', load);
  const exportButton = $('#export-history');
  exportButton.addEventListener('click', () =>
    withBusy(exportButton, async () => {
      const errorArea = $('#history-error');
      const where = $('#history-export-path');
      clearError(errorArea);
      where.textContent = '';
      try {
        const result = await api.exportHistory(currentFilter());
        where.textContent = t('history.exported', { path: (result && result.path) || '' });
      } catch (err) {
        showError(errorArea, err);
      }
    }),
  );
  onLanguageChange(render);
}

export function show() {
  load();
}

function currentFilter() {
  const outcome = $('#history-outcome').value;
  return {
    text: $('#history-filter').value.trim(),
    outcome: OUTCOMES.has(outcome) ? outcome : null,
    limit: LIMIT,
  };
}

async function load() {
  const token = ++loadToken;
  const table = $('#history-table');
  const errorArea = $('#history-error');
  table.setAttribute('aria-busy', 'true');
  try {
    const list = await api.listHistory(currentFilter());
    if (token !== loadToken) return;
    clearError(errorArea);
    entries = Array.isArray(list) ? list : [];
    render();
  } catch (err) {
    if (token !== loadToken) return;
    showError(errorArea, err, { retry: load });
  } finally {
    if (token === loadToken) table.removeAttribute('aria-busy');
  }
}

function outcomeBadge(outcome) {
  const known = OUTCOMES.has(outcome) ? outcome : 'unknown';
  return h('span', { class: `outcome outcome-${known}` }, t(`outcome.${known}`));
}

function render() {
  const tbody = $('#history-table tbody');
  clear(tbody);
  for (const entry of entries) {
    const action = String(entry.action ?? '');
    tbody.append(
      h('tr', { dataset: { outcome: OUTCOMES.has(entry.outcome) ? entry.outcome : 'unknown' } },
        h('td', { class: 'nowrap' }, formatDateTime(entry.at)),
        h('td', null, entry.account ?? ''),
        h('td', null, tOr(`history.action.${action}`, action)),
        h('td', null, entry.campaign ?? ''),
        h('td', { class: 'break' }, entry.target ?? ''),
        h('td', null, outcomeBadge(entry.outcome)),
        h('td', { class: 'detail' }, entry.detail ?? ''),
      ),
    );
  }
  $('#history-empty').hidden = entries.length > 0;
  $('#history-count').textContent = entries.length >= LIMIT
    ? t('history.countLimited', { count: entries.length })
    : entries.length > 0 ? t('history.count', { count: entries.length }) : '';
}
