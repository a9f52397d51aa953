// Practice mode's first steps card, at the top of the start screen (Send a coupon): five
// things to try, each opening its screen with the practice data ready. Rust decides what is
// done, from what the app did (the history, and the scans and usage views it noted).

import * as api from '../api.js';
import { t, onLanguageChange } from '../i18n.js';
import { $, h, withBusy } from '../dom.js';
import { showError, clearError } from '../errors.js';

/** The practice shop's loyalty member the stamp step finds for you. */
const PRACTICE_MEMBER = 'emma.peeters@example.com';

let ctx;
let last = null;

export function init(context) {
  ctx = context;
  const close = $('#first-steps-close');
  close.addEventListener('click', () =>
    withBusy(close, async () => {
      try {
        render(await api.showFirstSteps(false));
        $('#send-title').focus();
      } catch (err) {
        showError($('#first-steps-error'), err);
      }
    }),
  );
  onLanguageChange(() => last && render(last));
}

/** Reads the card's state again; quiet when it cannot (the card is a help). */
export async function refresh() {
  try {
    render(await api.firstSteps());
  } catch (err) {
    console.warn('first steps', err);
  }
}

/** Settings' "Show the first steps again". */
export async function showAgain() {
  render(await api.showFirstSteps(true));
}

/** The last known state, for Settings (whether to offer bringing the card back). */
export function state() {
  return last;
}

const ACTIONS = {
  scan: async () => {
    const code = await api.practiceCoupon();
    ctx.navigate('redeem', { scan: code });
  },
  send: async () => {
    $('#email').focus();
  },
  links: async () => ctx.navigate('links', { manyAmount: 10, focus: true }),
  stamp: async () => ctx.navigate('loyalty', { search: PRACTICE_MEMBER, focus: true }),
  usage: async () => ctx.navigate('campaigns', { focus: true }),
};

function render(view) {
  last = view;
  const card = $('#first-steps');
  card.hidden = !(view && view.practice && view.show);
  if (card.hidden) return;
  const steps = Array.isArray(view.steps) ? view.steps : [];
  const done = steps.filter((s) => s.done).length;
  $('#first-steps-count').textContent = t('firstSteps.count', { done, total: steps.length });
  const errorArea = $('#first-steps-error');
  $('#first-steps-list').replaceChildren(
    ...steps
      .filter((s) => Object.prototype.hasOwnProperty.call(ACTIONS, s.id))
      .map((step) => {
        const button = h('button', { type: 'button', class: 'button secondary', dataset: { step: step.id } }, t(`firstSteps.${step.id}.button`));
        button.addEventListener('click', () =>
          withBusy(button, async () => {
            clearError(errorArea);
            try {
              await ACTIONS[step.id]();
            } catch (err) {
              showError(errorArea, err);
            }
          }),
        );
        return h('li', { class: step.done ? 'first-step done' : 'first-step', dataset: { step: step.id, done: step.done ? 'true' : 'false' } },
          h('span', { class: 'first-step-state' }, t(step.done ? 'firstSteps.done' : 'firstSteps.todo')),
          ' ',
          h('span', { class: 'first-step-text' }, t(`firstSteps.${step.id}.text`)),
          ' ',
          step.done ? null : button);
      }),
  );
}
