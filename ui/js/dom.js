// Small DOM helpers. API data is hostile, so text only ever goes in through textContent or
// text nodes; there is deliberately no way to pass HTML through here.

import { t, applyTranslations } from './i18n.js';

/**
 * Build an element. `attrs` keys: `class`, `text` (textContent), `dataset` (object),
 * `on<event>` (function → addEventListener), booleans (true → empty attribute), anything else
 * → setAttribute. Children may be nodes, strings, numbers or arrays of those; null/false skip.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'style') {
      // The CSP forbids inline styles; failing loudly here beats a silently unstyled element.
      throw new Error('h(): inline styles are not allowed, use a class');
    }
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') {
      for (const [dk, dv] of Object.entries(value)) el.dataset[dk] = String(dv);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function show(el, visible = true) {
  if (el) el.hidden = !visible;
}

export function hide(el) {
  show(el, false);
}

/**
 * Run `work` with `button` disabled and labelled "Working…", so a second click cannot send
 * twice. The original content is put back afterwards and re-translated, because the language
 * may have changed meanwhile. A button that is already busy ignores the second call.
 */
export async function withBusy(button, work) {
  if (!button) return work();
  if (button.dataset.busy) return undefined;
  const saved = Array.from(button.childNodes);
  button.disabled = true;
  button.dataset.busy = 'true';
  button.setAttribute('aria-busy', 'true');
  button.replaceChildren(document.createTextNode(t('common.working')));
  try {
    return await work();
  } finally {
    delete button.dataset.busy;
    button.removeAttribute('aria-busy');
    button.disabled = false;
    button.replaceChildren(...saved);
    applyTranslations(button);
  }
}

/** Call `fn` once input has been quiet for `ms`; typing in a filter should not flood the backend. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Fill a <select> with options built from `items`; keeps the current value if still present. */
export function fillSelect(select, items, { value, placeholder } = {}) {
  const keep = value !== undefined ? value : select.value;
  clear(select);
  if (placeholder !== undefined) select.append(h('option', { value: '' }, placeholder));
  for (const item of items) {
    select.append(h('option', { value: item.value }, item.label));
  }
  if (keep !== undefined && keep !== null && items.some((i) => String(i.value) === String(keep))) {
    select.value = String(keep);
  }
}

/** An image the backend made (a QR code) as an `<img src>`: only inline images, else null. */
export function safeImage(src) {
  return typeof src === 'string' && /^data:image\/(svg\+xml|png|gif|jpeg|webp)[;,]/i.test(src) ? src : null;
}
