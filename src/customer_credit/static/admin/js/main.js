// The page's entry point: sign-in, the language switch and the hash router.

import { AuthError, clearKey, getKey, onUnauthorized, setKey } from './api.js';
import { initAccounts, resetAccounts, showAccount, showAccounts } from './accounts.js';
import { initCredit } from './credit.js';
import { getLang, setLang, t, translatePage } from './i18n.js';
import { initImports, leaveImports, showImport, showImportHistory, showImportRun } from './imports.js';
import { initInvoices, resetInvoices, showInvoices } from './invoices.js';
import { initSettings, showSettings } from './settings.js';
import { $, announce, errorText, showMessage, showView } from './ui.js';
import { applyPermissions, can, ensureViewer, forgetViewer, homeHash, loadViewer } from './viewer.js';

// [hash, nav link, show, title, the scope the screen needs]
const ROUTES = [
  [/^#\/accounts$/, 'accounts', () => showAccounts(), 'nav.accounts', 'accounts:read'],
  [/^#\/accounts\/(.+)$/, 'accounts', (id) => showAccount(id), 'nav.accounts', 'accounts:read'],
  [/^#\/invoices$/, 'invoices', () => showInvoices(), 'nav.invoices', 'credit:read'],
  [/^#\/import$/, 'import', () => showImport(), 'nav.import', 'imports:write'],
  [/^#\/imports$/, 'imports', () => showImportHistory(), 'nav.imports', 'imports:read'],
  [/^#\/imports\/(.+)$/, 'imports', (id) => showImportRun(id), 'nav.imports', 'imports:read'],
  [/^#\/settings$/, 'settings', () => showSettings(), 'nav.settings', 'admin'],
];

let shownHash = null;
let checkingKey = false;

function signedIn(yes) {
  $('#mainnav').hidden = !yes;
  $('#sign-out').hidden = !yes;
}

function showSignIn(message = '') {
  leaveImports();
  shownHash = null;
  signedIn(false);
  showView('view-signin');
  document.title = `${t('signin.title')} · Customer Credit`;
  const form = $('#signin-form');
  form.reset();
  showMessage($('#signin-message'), message);
  $('#signin-key-error').textContent = '';
  form.elements.key.removeAttribute('aria-invalid');
  form.elements.key.focus();
}

async function route({ force = false } = {}) {
  if (!getKey()) {
    showSignIn();
    return;
  }
  try {
    await ensureViewer();
  } catch (error) {
    if (error instanceof AuthError) return; // the sign-in is back
    // Otherwise every control stays shown, and the API answers for what the key may not do.
  }
  if (!getKey()) return;
  signedIn(true);
  applyPermissions();
  const hash = location.hash;
  const match = ROUTES.map(([re, ...rest]) => [re.exec(hash), ...rest]).find(([m]) => m);
  // A screen the key may not use (an old link, a typed address) leads to one it may.
  if (!match || (!can(match[4]) && hash !== homeHash())) {
    location.replace(homeHash());
    return;
  }
  if (hash === shownHash && !force) return;
  const moved = shownHash !== null && hash !== shownHash;
  if (hash !== shownHash) leaveImports();
  shownHash = hash;
  const [m, nav, show, title] = match;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${t(title)} · Customer Credit`;
  await show(...m.slice(1).map(decodeURIComponent));
  // After navigating inside the page, start reading (and tabbing) at the new view's heading.
  if (moved) document.querySelector('.view:not([hidden]) h1')?.focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const key = form.elements.key.value.trim();
  const fieldError = $('#signin-key-error');
  fieldError.textContent = '';
  form.elements.key.removeAttribute('aria-invalid');
  showMessage($('#signin-message'), '');
  if (!key) {
    fieldError.textContent = t('signin.required');
    form.elements.key.setAttribute('aria-invalid', 'true');
    form.elements.key.focus();
    return;
  }
  checkingKey = true;
  try {
    await loadViewer(key); // any valid key, whatever its scopes: its name and what it may do
  } catch (error) {
    const text = error instanceof AuthError ? t('signin.invalid') : errorText(error);
    fieldError.textContent = text;
    form.elements.key.setAttribute('aria-invalid', 'true');
    form.elements.key.focus();
    return;
  } finally {
    checkingKey = false;
  }
  setKey(key);
  form.reset();
  announce('signin.done');
  if (!location.hash || location.hash === '#/') location.replace(homeHash());
  await route({ force: true });
  document.querySelector('.view:not([hidden]) h1')?.focus();
}

function signOut() {
  clearKey();
  forgetViewer();
  resetAccounts();
  resetInvoices();
  showSignIn();
}

function init() {
  document.documentElement.lang = getLang();
  translatePage();
  for (const heading of document.querySelectorAll('.view h1')) heading.tabIndex = -1;
  onUnauthorized(() => {
    if (checkingKey) return;
    clearKey();
    forgetViewer();
    showSignIn(t('signin.expired'));
  });
  initAccounts();
  initCredit();
  initInvoices();
  initImports();
  initSettings();
  $('#signin-form').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', signOut);
  $('#lang-switch').addEventListener('click', () => {
    setLang(getLang() === 'en' ? 'pt-BR' : 'en');
    // Data views are drawn again in the new language; the import screen keeps its state.
    if (getKey() && location.hash !== '#/import') route({ force: true });
    else if (!getKey()) document.title = `${t('signin.title')} · Customer Credit`;
  });
  window.addEventListener('hashchange', () => route());
  route();
}

init();
