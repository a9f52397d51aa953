// One control, two homes. Settings (the saved default) and the list screen (this job's value)
// both need an input with the id `bulk-concurrency`, and an id must be unique in the page, so
// the one input moves into the slot of whichever of the two screens is shown. Its
// `data-context` tells the change handlers which meaning it has right now.

import { preferences } from './state.js';

export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 16;

let jobValue = null; // chosen on the list screen; null = use the saved default

export function concurrencyInput() {
  return document.getElementById('bulk-concurrency');
}

/** A whole number 1–16, or null when the text is not a usable number. */
export function parseConcurrency(value) {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= MIN_CONCURRENCY && n <= MAX_CONCURRENCY ? n : null;
}

function savedDefault() {
  return parseConcurrency(preferences().bulkConcurrency) ?? 4;
}

/** Move the input into the slot of `where` ('settings' | 'bulk') and show that screen's value. */
export function placeConcurrency(where) {
  const input = concurrencyInput();
  const slot = document.querySelector(`[data-concurrency-slot="${where}"]`);
  if (!input || !slot) return;
  const label = slot.querySelector('label');
  if (input.parentElement !== slot) {
    if (label) label.after(input);
    else slot.prepend(input);
  }
  input.dataset.context = where;
  input.value = String(where === 'bulk' ? jobValue ?? savedDefault() : savedDefault());
}

export function setJobConcurrency(n) {
  jobValue = n;
}

/** The saved default changed: the list screen follows it again. */
export function forgetJobConcurrency() {
  jobValue = null;
}

export function jobConcurrency() {
  return jobValue ?? savedDefault();
}
