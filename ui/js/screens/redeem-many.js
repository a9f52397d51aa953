// "Several coupons at once" on the Redeem screen: pasted codes marked as used or voided in one
// go (couponsession/updatemultiple), one result per code. Codes whose answer was lost are read
// again by the app before a result is shown.

import * as api from '../api.js';
import { $, h, clear, withBusy } from '../dom.js';
import { t } from '../i18n.js';
import { clearError, showProblem, clearFieldErrors, clearFieldErrorsOnInput } from '../errors.js';
import { formatNumber } from '../format.js';

const RESULT_CLASS = { done: 'status status-sent', refused: 'status status-failed', unknown: 'status status-unknown' };

export function init() {
  clearFieldErrorsOnInput($('#redeem-many-form'));
  $('#redeem-many-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
}

function run() {
  const errorArea = $('#redeem-many-error');
  clearError(errorArea);
  clearFieldErrors($('#redeem-many-form'));
  $('#redeem-many-summary').textContent = '';
  withBusy($('#redeem-many-start'), async () => {
    try {
      const rows = await api.redeemMany($('#redeem-many-codes').value, $('#redeem-many-action').value);
      const body = $('#redeem-many-rows');
      clear(body);
      for (const row of rows) {
        body.append(
          h('tr', { dataset: { result: row.result } },
            h('td', null, row.code),
            // Not by colour alone: the word is there.
            h('td', null, h('span', { class: RESULT_CLASS[row.result] || 'status' }, t(`redeem.many.result.${row.result}`))),
            h('td', null, row.message),
          ),
        );
      }
      $('#redeem-many-table').hidden = rows.length === 0;
      const count = (r) => formatNumber(rows.filter((x) => x.result === r).length);
      $('#redeem-many-summary').textContent = t('redeem.many.summary', { done: count('done'), refused: count('refused'), unknown: count('unknown') });
    } catch (err) {
      showProblem(err, { fields: { codes: 'redeem-many-codes' }, box: errorArea });
    }
  });
}
