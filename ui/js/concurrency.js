// How many e-mails a list job may send at the same time: Automatic (the account's limiter finds
// the speed, at most 16) or at most a number the user picks. Settings edits the saved default
// (#pref-bulk-concurrency); the list screen has its own choice (#bulk-concurrency) for one job.
// The job's value lives here, not in the list screen, because saving a new default in Settings
// must make the list screen follow the default again.

import { preferences } from './state.js';
import { t } from './i18n.js';
import { h } from './dom.js';

export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 16;
/** Automatic: no ceiling of the user's below the limiter's own. */
const FALLBACK_CONCURRENCY = MAX_CONCURRENCY;
const CHOICES = [MAX_CONCURRENCY, 8, 4, 2, 1];

function choiceLabel(n) {
  return n === MAX_CONCURRENCY ? t('concurrency.automatic') : t('concurrency.atMost', { n: String(n) });
}

/** Shows `n` in a speed <select>, its choices worded in the current language; a number saved
 *  by an older version that is not among the choices gets a choice of its own. */
export function showConcurrency(select, n) {
  const wanted = CHOICES.includes(n) || n === null ? CHOICES : [...CHOICES, n].sort((a, b) => b - a);
  select.replaceChildren(...wanted.map((c) => h('option', { value: String(c) }, choiceLabel(c))));
  select.value = String(n ?? FALLBACK_CONCURRENCY);
}

let jobValue = null; // chosen on the list screen; null = use the saved default

/** A whole number 1–16, or null when the text is not a usable number. */
export function parseConcurrency(value) {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= MIN_CONCURRENCY && n <= MAX_CONCURRENCY ? n : null;
}

/** The saved default, or Automatic when the saved value is missing or unusable. */
export function savedConcurrency() {
  return parseConcurrency(preferences().bulkConcurrency) ?? FALLBACK_CONCURRENCY;
}

export function setJobConcurrency(n) {
  jobValue = n;
}

/** The saved default changed: the list screen follows it again. */
export function forgetJobConcurrency() {
  jobValue = null;
}

/** What the list screen shows when opened: the user's choice for this job, else the default. */
export function jobConcurrency() {
  return jobValue ?? savedConcurrency();
}
