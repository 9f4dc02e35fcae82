// The page's entry point: sign-in, the language switch and the hash router.

import { AuthError, clearKey, getKey, gql, onUnauthorized, setKey } from './api.js';
import { initAccounts, resetAccounts, showAccount, showAccounts } from './accounts.js';
import { getLang, setLang, t, translatePage } from './i18n.js';
import { initImports, leaveImports, showImport, showImportHistory, showImportRun } from './imports.js';
import { $, announce, errorText, showMessage, showView } from './ui.js';

const ROUTES = [
  [/^#\/accounts$/, 'accounts', () => showAccounts(), 'nav.accounts'],
  [/^#\/accounts\/(.+)$/, 'accounts', (id) => showAccount(id), 'nav.accounts'],
  [/^#\/import$/, 'import', () => showImport(), 'nav.import'],
  [/^#\/imports$/, 'imports', () => showImportHistory(), 'nav.imports'],
  [/^#\/imports\/(.+)$/, 'imports', (id) => showImportRun(id), 'nav.imports'],
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
  signedIn(true);
  const hash = location.hash;
  const match = ROUTES.map(([re, nav, show, title]) => [re.exec(hash), nav, show, title]).find(([m]) => m);
  if (!match) {
    location.replace('#/accounts');
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
    await gql('query SignIn { __typename }', {}, key); // any valid key, whatever its scopes
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
  announce(t('signin.done'));
  if (!location.hash || location.hash === '#/') location.replace('#/accounts');
  await route({ force: true });
  document.querySelector('.view:not([hidden]) h1')?.focus();
}

function signOut() {
  clearKey();
  resetAccounts();
  showSignIn();
}

function init() {
  document.documentElement.lang = getLang();
  translatePage();
  for (const heading of document.querySelectorAll('.view h1')) heading.tabIndex = -1;
  onUnauthorized(() => {
    if (checkingKey) return;
    clearKey();
    showSignIn(t('signin.expired'));
  });
  initAccounts();
  initImports();
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
