// First start: two clear ways in, practice mode or a real account.

import * as api from '../api.js';
import { $, withBusy } from '../dom.js';
import { showError, clearError } from '../errors.js';

let ctx;

export function init(context) {
  ctx = context;
  const practice = $('#start-practice');
  const connect = $('#connect-account');
  const errorArea = $('#welcome-error');

  practice.addEventListener('click', () =>
    withBusy(practice, async () => {
      clearError(errorArea);
      try {
        await api.startPracticeMode();
        await ctx.refreshStatus();
        ctx.navigate('send', { focus: true });
      } catch (err) {
        showError(errorArea, err);
      }
    }),
  );

  connect.addEventListener('click', () => {
    clearError(errorArea);
    ctx.navigate('settings', { openAddForm: true });
  });
}

export function show() {
  const heading = $('#welcome-title');
  if (heading && !document.activeElement?.closest?.('#welcome')) heading.focus({ preventScroll: true });
}
