// UI text lives in dictionaries; English is complete and every other language falls back to it
// key by key, so a half-translated dictionary still gives a usable screen.

import en from '../i18n/en.js';
import nl from '../i18n/nl.js';
import fr from '../i18n/fr.js';
import de from '../i18n/de.js';
import es from '../i18n/es.js';

const dictionaries = { en, nl, fr, de, es };
export const LANGUAGES = Object.keys(dictionaries);

let current = 'en';
const listeners = new Set();

export function getLanguage() {
  return current;
}

/** Pick a supported language; unknown codes (or "nl-BE") fall back sensibly. */
export function normaliseLanguage(lang) {
  const code = String(lang || '').toLowerCase().slice(0, 2);
  return LANGUAGES.includes(code) ? code : 'en';
}

/**
 * The computer's language for a first start: the first of `navigator.languages` (the user's
 * order) that Coupon Desk has, else English.
 */
let systemLanguages = [];

/** The computer's languages as the app reads them from the OS (the web view may not know them). */
export function setSystemLanguages(codes) {
  systemLanguages = Array.isArray(codes) ? codes.map(String) : [];
}

export function systemLanguage(nav = globalThis.navigator) {
  const wanted = [...systemLanguages, ...((nav && nav.languages) || []), nav && nav.language].filter(Boolean);
  for (const lang of wanted) {
    const code = String(lang).toLowerCase().slice(0, 2);
    if (LANGUAGES.includes(code)) return code;
  }
  return 'en';
}

/** The language to show: the one saved in Settings, or the computer's until one was saved. */
export function preferredLanguage(prefs, nav) {
  return prefs && prefs.languageChosen ? normaliseLanguage(prefs.language) : systemLanguage(nav);
}

function lookup(key) {
  const dict = dictionaries[current];
  if (dict && Object.prototype.hasOwnProperty.call(dict, key)) return dict[key];
  if (Object.prototype.hasOwnProperty.call(en, key)) return en[key];
  return undefined;
}

function pluralKey(key, count) {
  let category = 'other';
  try {
    category = new Intl.PluralRules(current).select(count);
  } catch {
    // Intl may be missing a locale; English rules are a fine fallback.
  }
  for (const candidate of [`${key}.${category}`, `${key}.other`]) {
    if (lookup(candidate) !== undefined) return candidate;
  }
  return key;
}

function formatParam(value) {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Intl.NumberFormat(current).format(value);
  }
  return String(value ?? '');
}

/**
 * Translate `key`, filling `{name}` placeholders from `params`. A numeric `params.count` selects
 * a plural form (`key.one`, `key.other`, …) when the dictionary has them. Numbers are formatted
 * for the current language. A missing key returns the key itself, which is easy to spot.
 */
export function t(key, params) {
  const resolvedKey = params && typeof params.count === 'number' ? pluralKey(key, params.count) : key;
  const template = lookup(resolvedKey);
  if (template === undefined) return key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? formatParam(params[name]) : match,
  );
}

/** Like t(), but returns `fallback` when no dictionary has the key (for values from the API). */
export function tOr(key, fallback, params) {
  return lookup(key) === undefined ? fallback : t(key, params);
}

/** Fill `data-i18n`, `data-i18n-placeholder`, `data-i18n-aria-label`, `data-i18n-title`, `data-i18n-alt`. */
export function applyTranslations(root = document) {
  const scope = root.querySelectorAll ? root : document;
  const all = (attr) => {
    const found = Array.from(scope.querySelectorAll(`[${attr}]`));
    if (scope.hasAttribute && scope.hasAttribute(attr)) found.unshift(scope);
    return found;
  };
  for (const el of all('data-i18n')) {
    // A busy button shows "Working…"; withBusy restores its label when the work ends.
    if (el.dataset.busy) continue;
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of all('data-i18n-placeholder')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  for (const el of all('data-i18n-aria-label')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of all('data-i18n-title')) el.setAttribute('title', t(el.dataset.i18nTitle));
  for (const el of all('data-i18n-alt')) el.setAttribute('alt', t(el.dataset.i18nAlt));
}

/** Switch language, re-translate the page and let screens re-render their dynamic text. */
export function setLanguage(lang) {
  current = normaliseLanguage(lang);
  document.documentElement.lang = current;
  applyTranslations(document);
  for (const fn of listeners) {
    try {
      fn(current);
    } catch (err) {
      console.error('language listener failed', err);
    }
  }
  return current;
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
