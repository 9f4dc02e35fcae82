// Small DOM helpers shared by the views: element building, announcements, dialogs, errors.

import { AuthError } from './api.js';
import { t } from './i18n.js';

/** h('p', {class: 'x'}, 'text', child): an element. Text is always set as text, never as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Say t(key, params) to screen-reader users (the visually hidden live region). The region keeps
 * the key, so a switch of language says it again in the new one. */
export function announce(key, params = {}) {
  const region = $('#announcer');
  region.textContent = '';
  delete region.dataset.i18n;
  // A fresh text node after a tick, so the same message twice is announced twice.
  setTimeout(() => {
    region.dataset.i18n = key;
    region.dataset.i18nParams = JSON.stringify(params);
    region.textContent = t(key, params);
  }, 50);
}

/** Show a message in a `.form-message` element (role=alert); empty clears it. */
export function showMessage(el, message, kind = 'error') {
  el.textContent = message || '';
  el.dataset.kind = kind;
  el.classList.toggle('shown', Boolean(message));
}

/** The text to show for a failed call. AuthError is handled by the sign-in, so it shows nothing. */
export function errorText(error) {
  if (error instanceof AuthError) return '';
  if (error?.code === 'FORBIDDEN') return `${t('error.forbidden')} (${error.message})`;
  if (error?.code === 'NETWORK') return t('error.network');
  return t('error.generic', { message: error?.message ?? String(error) });
}

/** Open a modal <dialog>. showModal() makes the rest of the page inert, so Tab stays inside,
 * and Escape closes it; focus goes back to the element that opened it. */
export function openDialog(dialog, { focus } = {}) {
  const opener = document.activeElement;
  const onClose = () => {
    dialog.removeEventListener('close', onClose);
    dialog.removeEventListener('keydown', trapTab);
    if (opener && opener.isConnected) opener.focus();
  };
  dialog.addEventListener('close', onClose);
  dialog.addEventListener('keydown', trapTab);
  dialog.showModal();
  (focus ? $(focus, dialog) : dialog.querySelector('input, select, textarea, button'))?.focus();
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keep Tab inside the dialog: from the last control back to the first, and the reverse
 * (a modal <dialog> alone would let focus leave for the browser's own toolbar). */
function trapTab(event) {
  if (event.key !== 'Tab') return;
  const dialog = event.currentTarget;
  const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** Ask for confirmation; resolves to true when confirmed. */
export function confirmDialog({ title, text, confirmLabel }) {
  const dialog = $('#confirm-dialog');
  $('#confirm-title', dialog).textContent = title;
  $('#confirm-text', dialog).textContent = text;
  $('#confirm-ok', dialog).textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    // Cancel first: a destructive action is never one Enter away.
    openDialog(dialog, { focus: 'button[value="cancel"]' });
  });
}

/** A table body row, each cell carrying its column's name for the phone layout. */
export function row(cells, headers) {
  return h('tr', {}, cells.map((cell, i) => {
    const { content, className } = cell && cell.content !== undefined ? cell : { content: cell };
    const isHeader = i === 0;
    return h(isHeader ? 'th' : 'td', { class: className, 'data-label': headers[i], scope: isHeader ? 'row' : null }, content);
  }));
}

/** Show exactly one `.view` section. */
export function showView(id) {
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== id;
}

export function badge(text, kind) {
  return h('span', { class: `badge badge-${kind}` }, text);
}
