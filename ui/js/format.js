// Numbers, durations and dates for people, in the current UI language (Intl does the work).

import { getLanguage, t } from './i18n.js';

export function formatNumber(value, options) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  return new Intl.NumberFormat(getLanguage(), options).format(n);
}

function unit(value, unitName) {
  return new Intl.NumberFormat(getLanguage(), { style: 'unit', unit: unitName, unitDisplay: 'long' }).format(value);
}

/** "45 seconds", "3 minutes", "1 hour, 20 minutes" — rounded the way a person would say it. */
export function formatDuration(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return unit(Math.max(1, Math.round(s)), 'second');
  if (s < 3600) return unit(Math.ceil(s / 60), 'minute');
  const hours = Math.floor(s / 3600);
  const minutes = Math.round((s % 3600) / 60);
  const parts = [unit(hours, 'hour')];
  if (minutes > 0) parts.push(unit(minutes, 'minute'));
  try {
    return new Intl.ListFormat(getLanguage(), { style: 'short', type: 'unit' }).format(parts);
  } catch {
    return parts.join(' ');
  }
}

/** Accepts an ISO string, epoch seconds or epoch milliseconds; the backend may send any of them. */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') {
    const ms = value < 1e12 ? value * 1000 : value;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (/^\d+$/.test(String(value))) return toDate(Number(value));
  const d = new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value) {
  const d = toDate(value);
  if (!d) return String(value ?? '');
  return new Intl.DateTimeFormat(getLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Whole percent, never showing 100 before everything is done. */
export function percentOf(done, total) {
  const d = Number(done) || 0;
  const tot = Number(total) || 0;
  if (tot <= 0) return 0;
  if (d >= tot) return 100;
  return Math.min(99, Math.floor((d / tot) * 100));
}

export function formatPercent(done, total) {
  return t('format.percent', { n: percentOf(done, total) });
}

export function formatRate(perMinute) {
  const n = Number(perMinute);
  if (!Number.isFinite(n) || n <= 0) return '—';
  return t('format.perMinute', { n: Math.round(n) });
}

/** "api.coupontools.com" from a base URL; the full URL is noise in a list. */
export function hostOf(url) {
  try {
    return new URL(String(url)).host || String(url || '');
  } catch {
    return String(url || '');
  }
}
