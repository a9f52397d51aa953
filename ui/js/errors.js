// The one way the app shows a problem: an `.error-box` (message + hint), or, for a validation
// error that names a field, a `.field-error[data-for=<input id>]` beside that field.
// Messages arrive already worded for people from Rust and are shown exactly as given.

import { h, clear, $$ } from './dom.js';
import { t } from './i18n.js';
import { saveSupportFile } from './api.js';

/** Build an error box element: `.error-box` > `.error-message` + `.error-hint`. */
export function errorBox(err) {
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', { class: 'error-message' }, err && err.message ? err.message : ''),
    err && err.hint ? h('p', { class: 'error-hint' }, err.hint) : null,
  );
}

/**
 * Replace whatever `container` shows with an error box and reveal it. With `retry`, the box
 * gets a "Try again" button, for problems a second attempt may well fix (a dropped network).
 */
export function showError(container, err, { retry } = {}) {
  if (!container) return;
  clear(container);
  const box = errorBox(err);
  const actions = [];
  if (typeof retry === 'function') {
    actions.push(h('button', { type: 'button', class: 'button small secondary retry', dataset: { i18n: 'common.retry' }, onclick: retry }, t('common.retry')));
  }
  // Something the app did not expect: whoever helps the shop will want to see what happened.
  if (err && UNEXPECTED.has(err.kind)) actions.push(...supportFileOffer());
  if (actions.length) box.append(h('div', { class: 'error-actions' }, ...actions));
  container.append(box);
  container.hidden = false;
}

const UNEXPECTED = new Set(['internal', 'unexpected']);

/** "Save a support file" and where it went, for an error box. */
function supportFileOffer() {
  const said = h('span', { class: 'support-file-saved', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'button small secondary save-support-file',
    dataset: { i18n: 'support.save' },
    onclick: async () => {
      button.disabled = true;
      try {
        const saved = await saveSupportFile();
        said.textContent = t('support.saved', { path: saved.path });
      } catch (failed) {
        said.textContent = failed && failed.message ? failed.message : t('support.failed');
      } finally {
        button.disabled = false;
      }
    },
  }, t('support.save'));
  return [button, said];
}

export function clearError(container) {
  if (!container) return;
  clear(container);
  container.hidden = true;
}

function describedBy(input, id, add) {
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (add) ids.add(id);
  else ids.delete(id);
  if (ids.size) input.setAttribute('aria-describedby', Array.from(ids).join(' '));
  else input.removeAttribute('aria-describedby');
}

/** Show `err` beside the input with id `inputId`; marks it aria-invalid and focuses it. */
export function showFieldError(inputId, err) {
  const input = document.getElementById(inputId);
  if (!input) return false;
  clearFieldError(inputId);
  const errorId = `${inputId}-error`;
  const note = h(
    'p',
    { class: 'field-error', id: errorId, role: 'alert', dataset: { for: inputId } },
    h('span', { class: 'field-error-message' }, err.message),
    err.hint ? h('span', { class: 'field-error-hint' }, err.hint) : null,
  );
  const wrapper = input.closest('.field');
  if (wrapper) wrapper.append(note);
  else input.after(note);
  input.setAttribute('aria-invalid', 'true');
  describedBy(input, errorId, true);
  // A field tucked away in a closed <details> cannot be seen or focused.
  const details = input.closest('details');
  if (details) details.open = true;
  input.focus();
  return true;
}

export function clearFieldError(inputId) {
  for (const note of $$(`.field-error[data-for="${CSS.escape(inputId)}"]`)) note.remove();
  const input = document.getElementById(inputId);
  if (input) {
    input.removeAttribute('aria-invalid');
    describedBy(input, `${inputId}-error`, false);
  }
}

/** Remove every field error inside `root` (a form or dialog). */
export function clearFieldErrors(root) {
  for (const note of $$('.field-error', root)) clearFieldError(note.dataset.for);
  for (const input of $$('[aria-invalid="true"]', root)) input.removeAttribute('aria-invalid');
}

/**
 * Show an error where it belongs: beside the field it names (when `fields` maps that camelCase
 * field name to an input id on this form), otherwise in the `box` container.
 */
export function showProblem(err, { fields = {}, box } = {}) {
  if (err && err.kind === 'validation' && err.field && fields[err.field]) {
    if (showFieldError(fields[err.field], err)) {
      if (box) clearError(box);
      return;
    }
  }
  showError(box, err);
}

/** Clear a form's field errors whenever the user edits a field, so stale errors don't linger. */
export function clearFieldErrorsOnInput(root) {
  root.addEventListener('input', (event) => {
    const id = event.target && event.target.id;
    if (id && event.target.getAttribute('aria-invalid') === 'true') clearFieldError(id);
  });
}
