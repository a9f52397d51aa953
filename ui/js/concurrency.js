// How many e-mails a list job sends at the same time. Settings edits the saved default
// (#pref-bulk-concurrency); the list screen has its own input (#bulk-concurrency) for one job.
// The job's value lives here, not in the list screen, because saving a new default in Settings
// must make the list screen follow the default again.

import { preferences } from './state.js';

export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 16;
const FALLBACK_CONCURRENCY = 4;

let jobValue = null; // chosen on the list screen; null = use the saved default

/** A whole number 1–16, or null when the text is not a usable number. */
export function parseConcurrency(value) {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= MIN_CONCURRENCY && n <= MAX_CONCURRENCY ? n : null;
}

/** The saved default, or 4 when the saved value is missing or unusable. */
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
