// "Contas": the list (search, status filter, sorting, cursor paging), the detail view with
// the credit (credit.js) and the change history, the "Novo"/"Editar" form and "Fechar conta".

import { gql } from './api.js';
import { clearCredit, showCredit } from './credit.js';
import { fmtAmount, fmtDate, fmtDocument, fmtInt, fmtMoney, fmtPercent, getLang, has, parseDecimal, shiftDecimal, t } from './i18n.js';
import { $, announce, badge, confirmDialog, errorText, h, openDialog, row, showMessage, showView } from './ui.js';
import { can } from './viewer.js';

const PAGE_SIZE = 20;
// The list's total is counted up to this many accounts: its cost stays bounded on a large store
// (an exact total of a search or status filter reads every matching account). Past it: "1.000 ou mais".
const COUNT_LIMIT = 1000;
const FIELDS = 'id email documentType document creditLimit tolerance status description createdAt updatedAt version';

const LIST = `query Accounts($first: Int, $after: String, $filter: AccountFilter, $orderBy: AccountOrder) {
  accounts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    count(limit: ${COUNT_LIMIT}) { count precision }
    pageInfo { hasNextPage endCursor }
    nodes { ${FIELDS} }
  }
}`;

const ONE = `query Account($id: ID!, $after: String) {
  account(id: $id) {
    ${FIELDS}
    history(first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { at version actor source importRunId changes { field from to } }
    }
  }
}`;

const SAVE = `mutation Save($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) {
    created
    account { ${FIELDS} }
    errors { field code message }
  }
}`;

const CLOSE = `mutation Close($id: ID!) {
  closeAccount(id: $id) {
    account { ${FIELDS} }
    errors { field code message }
  }
}`;

// The list's state survives a visit to an account, so "back" returns to the same page.
const list = { search: '', status: '', order: 'CREATED_AT:DESC', cursors: [null], loaded: false };
let current = null; // the account shown in the detail view
let historyCursor = null;
let listRequest = 0;

const isMaskedEmail = (email) => /^[^@]?\*\*\*@/.test(email ?? '');
const isMaskedDocument = (doc) => (doc ?? '').includes('*');

function statusBadge(status) {
  return badge(t(`status.${status}`), status === 'OPEN' ? 'ok' : 'muted');
}

function documentText(account) {
  if (!account.document) return t('empty');
  const type = account.documentType === 'OTHER' ? t('documentType.OTHER') : account.documentType;
  return `${type} ${fmtDocument(account.documentType, account.document)}`;
}

// ---------------------------------------------------------------------------- list

export function initAccounts() {
  const form = $('#accounts-filters');
  let debounce = null;
  const refilter = () => {
    clearTimeout(debounce);
    debounce = null;
    list.search = form.elements.search.value.trim();
    list.status = form.elements.status.value;
    list.order = form.elements.order.value;
    list.cursors = [null];
    loadList();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refilter();
  });
  form.elements.search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(refilter, 300);
  });
  form.elements.status.addEventListener('change', refilter);
  form.elements.order.addEventListener('change', refilter);
  // A search still being typed goes first: the cursors belong to the old one.
  const pendingSearch = () => debounce !== null && (refilter(), true);
  $('#accounts-next').addEventListener('click', () => {
    if (pendingSearch()) return;
    const next = $('#accounts-next').dataset.cursor;
    if (next) {
      list.cursors.push(next);
      loadList({ focusTable: true });
    }
  });
  $('#accounts-prev').addEventListener('click', () => {
    if (pendingSearch()) return;
    if (list.cursors.length > 1) {
      list.cursors.pop();
      loadList({ focusTable: true });
    }
  });
  $('#account-new').addEventListener('click', () => openForm(null));
  $('#account-edit').addEventListener('click', () => current && openForm(current));
  $('#account-close').addEventListener('click', closeCurrent);
  $('#account-history-more').addEventListener('click', () => current && loadHistory(current.id, historyCursor));
  $('#account-form').addEventListener('submit', submitForm);
  $('#account-dialog [data-close]').addEventListener('click', () => $('#account-dialog').close());
}

export async function showAccounts() {
  showView('view-accounts');
  const form = $('#accounts-filters');
  form.elements.search.value = list.search;
  form.elements.status.value = list.status;
  form.elements.order.value = list.order;
  await loadList();
}

async function loadList({ focusTable = false } = {}) {
  const request = ++listRequest;
  const [field, direction] = list.order.split(':');
  const filter = {};
  if (list.search) filter.search = list.search;
  if (list.status) filter.status = list.status;
  const table = $('#accounts-table');
  table.setAttribute('aria-busy', 'true');
  let data;
  try {
    data = await gql(LIST, {
      first: PAGE_SIZE,
      after: list.cursors.at(-1),
      filter,
      orderBy: { field, direction },
    });
  } catch (error) {
    if (request === listRequest) showMessage($('#accounts-message'), errorText(error));
    return;
  } finally {
    if (request === listRequest) table.removeAttribute('aria-busy');
  }
  if (request !== listRequest) return; // a newer search has started
  const { nodes, count, pageInfo } = data.accounts;
  const headers = ['field.email', 'field.document', 'field.creditLimit', 'field.tolerance', 'field.status', 'field.updatedAt'].map((k) => t(k));
  $('tbody', table).replaceChildren(...nodes.map((account) => row([
    h('a', { href: `#/accounts/${encodeURIComponent(account.id)}`, class: 'break' }, account.email),
    { content: documentText(account), className: 'nowrap' },
    { content: fmtMoney(account.creditLimit), className: 'num' },
    { content: fmtPercent(account.tolerance), className: 'num' },
    statusBadge(account.status),
    fmtDate(account.updatedAt),
  ], headers)));
  $('#accounts-empty').hidden = nodes.length > 0;
  table.parentElement.hidden = nodes.length === 0;
  $('#accounts-total').textContent = t(count.precision === 'EXACT' ? 'accounts.total' : 'accounts.totalAtLeast', { n: count.count });
  $('#accounts-page').textContent = t('pager.page', { n: fmtInt(list.cursors.length) });
  $('#accounts-prev').disabled = list.cursors.length <= 1;
  $('#accounts-next').disabled = !pageInfo.hasNextPage;
  $('#accounts-next').dataset.cursor = pageInfo.hasNextPage ? pageInfo.endCursor : '';
  list.loaded = true;
  if (focusTable) {
    // Paging moved the content: start reading from the top of the new page.
    const first = $('tbody a', table);
    (first || $('#accounts-title')).focus();
  }
}

// ---------------------------------------------------------------------------- detail

export async function showAccount(id) {
  showView('view-account');
  showMessage($('#account-message'), '');
  $('#account-title').textContent = t('loading');
  $('#account-fields').replaceChildren();
  $('#account-history').replaceChildren();
  $('#account-history-more').hidden = true;
  clearCredit();
  $('#account-edit').hidden = true; // until the account is loaded
  $('#account-close').hidden = true;
  current = null;
  let data;
  try {
    data = await gql(ONE, { id, after: null });
  } catch (error) {
    showMessage($('#account-message'), errorText(error));
    return;
  }
  if (!data.account) {
    $('#account-title').textContent = t('account.notFound');
    $('#account-edit').hidden = true;
    $('#account-close').hidden = true;
    return;
  }
  renderAccount(data.account);
  renderHistory(data.account.history, false);
  // The credit fills in after: the account is shown (and focus placed) as fast as before.
  showCredit(data.account);
}

function renderAccount(account) {
  current = account;
  $('#account-title').textContent = account.email;
  document.title = `${account.email} · Customer Credit`;
  const closed = account.status === 'CLOSED';
  // Only a key with accounts:write may change or close an account: a read-only key sees neither.
  $('#account-edit').hidden = closed || !can('accounts:write');
  $('#account-close').hidden = closed || !can('accounts:write');
  const entries = [
    ['field.id', h('code', { class: 'break' }, account.id)],
    ['field.email', account.email],
    ['field.documentType', account.documentType ? (account.documentType === 'OTHER' ? t('documentType.OTHER') : account.documentType) : t('empty')],
    ['field.document', account.document ? fmtDocument(account.documentType, account.document) : t('empty')],
    ['field.creditLimit', fmtMoney(account.creditLimit)],
    ['field.tolerance', fmtPercent(account.tolerance)],
    ['field.status', statusBadge(account.status)],
    ['field.description', account.description || t('empty')],
    ['field.createdAt', fmtDate(account.createdAt)],
    ['field.updatedAt', fmtDate(account.updatedAt)],
    ['field.version', String(account.version)],
  ];
  $('#account-fields').replaceChildren(...entries.map(([key, value]) => h('div', {}, h('dt', {}, t(key)), h('dd', { class: 'break' }, value))));
  if (closed) showMessage($('#account-message'), t('account.closedNote'), 'info');
}

function changeValue(field, value) {
  if (value == null || value === '') return t('empty');
  switch (field) {
    case 'creditLimit': return fmtMoney(value);
    case 'tolerance': return fmtPercent(value);
    case 'status': return t(`status.${value}`);
    case 'document': return fmtDocument(current?.documentType, value);
    case 'documentType': return value === 'OTHER' ? t('documentType.OTHER') : value;
    default: return value;
  }
}

/** The import that made a change: a link for a key that may read imports, plain text otherwise. */
function importRunLink(id) {
  const text = t('history.run', { id: id.slice(0, 8) });
  return can('imports:read') ? h('a', { href: `#/imports/${encodeURIComponent(id)}` }, text) : text;
}

function renderHistory(connection, append) {
  const items = connection.nodes.map((event) => h('li', {},
    h('p', { class: 'event-head' },
      h('time', { datetime: event.at }, fmtDate(event.at)),
      ' · ',
      t('history.by', { version: event.version, actor: event.actor, source: t(`source.${event.source}`) }),
      event.importRunId ? [' · ', importRunLink(event.importRunId)] : null),
    h('ul', { class: 'changes' }, event.changes.map((change) => h('li', {},
      h('span', { class: 'change-field' }, has(`field.${change.field}`) ? t(`field.${change.field}`) : change.field), ': ',
      h('span', { class: 'visually-hidden' }, `${t('change.from')} `),
      h('span', { class: 'change-from break' }, changeValue(change.field, change.from)),
      h('span', { 'aria-hidden': 'true' }, ' → '),
      h('span', { class: 'visually-hidden' }, ` ${t('change.to')} `),
      h('span', { class: 'change-to break' }, changeValue(change.field, change.to)))))));
  const list = $('#account-history');
  if (append) list.append(...items);
  else list.replaceChildren(...items);
  if (!append && items.length === 0) list.replaceChildren(h('li', { class: 'empty' }, t('history.empty')));
  historyCursor = connection.pageInfo.endCursor;
  $('#account-history-more').hidden = !connection.pageInfo.hasNextPage;
}

async function loadHistory(id, after) {
  try {
    const data = await gql(ONE, { id, after });
    if (data.account) renderHistory(data.account.history, true);
  } catch (error) {
    showMessage($('#account-message'), errorText(error));
  }
}

async function closeCurrent() {
  const account = current;
  const ok = await confirmDialog({
    title: t('account.closeTitle'),
    text: t('account.closeText', { email: account.email }),
    confirmLabel: t('account.closeConfirm'),
  });
  if (!ok) return;
  try {
    const { closeAccount } = await gql(CLOSE, { id: account.id });
    if (closeAccount.errors.length) {
      showMessage($('#account-message'), closeAccount.errors.map(accountErrorText).join(' '));
      return;
    }
    announce('account.closed');
    await showAccount(account.id);
    $('#account-title').focus();
  } catch (error) {
    showMessage($('#account-message'), errorText(error));
  }
}

// ---------------------------------------------------------------------------- form

const FORM_FIELDS = ['documentType', 'document', 'email', 'creditLimit', 'tolerance', 'description'];
let editing = null; // the account being edited; null: a new one

/** The service answers in the page's language (Accept-Language), so its message is shown as it is;
 * a version conflict also says how to get out of it. */
function accountErrorText(error) {
  return error.code === 'VERSION_CONFLICT' ? `${error.message} ${t('form.reopen')}` : error.message;
}

function toleranceText(fraction) {
  const pct = shiftDecimal(fraction, 2);
  return getLang() === 'en' ? pct : pct.replace('.', ',');
}

function clearErrors(form) {
  for (const name of FORM_FIELDS) {
    form.elements[name].removeAttribute('aria-invalid');
    $(`#f-${name}-error`).textContent = '';
  }
  showMessage($('#account-form-message'), '');
}

function showErrors(form, errors) {
  const formLevel = [];
  for (const error of errors) {
    const input = FORM_FIELDS.includes(error.field) ? form.elements[error.field] : null;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      const slot = $(`#f-${error.field}-error`);
      slot.textContent = slot.textContent ? `${slot.textContent} ${accountErrorText(error)}` : accountErrorText(error);
    } else {
      formLevel.push(accountErrorText(error));
    }
  }
  showMessage($('#account-form-message'), formLevel.length ? formLevel.join(' ') : t('form.fixErrors'));
  const firstInvalid = form.querySelector('[aria-invalid="true"]');
  (firstInvalid || $('#account-form-message')).focus?.();
}

function openForm(account) {
  editing = account;
  const form = $('#account-form');
  form.reset();
  clearErrors(form);
  $('#account-dialog-title').textContent = t(account ? 'form.editTitle' : 'form.newTitle');
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = false;
  if (account) {
    form.elements.documentType.value = account.documentType ?? '';
    form.elements.document.value = account.document ? fmtDocument(account.documentType, account.document) : '';
    form.elements.email.value = account.email;
    form.elements.creditLimit.value = fmtAmount(account.creditLimit);
    form.elements.tolerance.value = toleranceText(account.tolerance);
    form.elements.description.value = account.description ?? '';
    if (isMaskedEmail(account.email)) {
      showMessage($('#account-form-message'), t('form.masked'), 'info');
      submit.disabled = true;
    }
  }
  for (const name of FORM_FIELDS) form.elements[name].dataset.initial = form.elements[name].value;
  openDialog($('#account-dialog'), { focus: account ? '#f-email' : '#f-documentType' });
}

/** The mutation's input from the form: a new account gets every filled field; an edit sends
 * the id, the version it was read at, the (required) email and only the fields that changed. */
function formInput(form) {
  const input = {};
  const localErrors = [];
  const value = (name) => form.elements[name].value.trim();
  const changed = (name) => form.elements[name].value !== form.elements[name].dataset.initial;
  const wanted = (name) => (editing ? changed(name) : value(name) !== '');
  if (editing) {
    input.id = editing.id;
    input.expectedVersion = editing.version;
  }
  input.email = value('email');
  if (wanted('documentType') || (wanted('document') && value('documentType'))) input.documentType = value('documentType') || null;
  if (wanted('document') && !(editing && isMaskedDocument(value('document')))) input.document = value('document');
  if (wanted('creditLimit')) {
    const limit = parseDecimal(value('creditLimit'));
    if (limit === null) localErrors.push({ field: 'creditLimit', code: 'LOCAL', message: t('form.badNumber') });
    else input.creditLimit = limit;
  }
  if (wanted('tolerance')) {
    const pct = parseDecimal(value('tolerance'));
    if (pct === null) localErrors.push({ field: 'tolerance', code: 'LOCAL', message: t('form.badPercent') });
    else input.tolerance = shiftDecimal(pct, -2);
  }
  if (wanted('description')) input.description = value('description');
  return { input, localErrors };
}

async function submitForm(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const { input, localErrors } = formInput(form);
  if (localErrors.length) {
    showErrors(form, localErrors);
    return;
  }
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    const { openOrChangeAccount: payload } = await gql(SAVE, { input });
    if (payload.errors.length) {
      showErrors(form, payload.errors);
      return;
    }
    $('#account-dialog').close();
    if (editing) {
      announce('form.saved');
      await showAccount(payload.account.id);
      $('#account-title').focus();
    } else {
      // As the product says: the new account shows on the accounts' first page.
      showMessage($('#accounts-message'), `${t('form.created')} ${payload.account.email}`, 'ok');
      list.cursors = [null];
      if (location.hash !== '#/accounts') location.hash = '#/accounts';
      else await loadList();
    }
  } catch (error) {
    showMessage($('#account-form-message'), errorText(error));
  } finally {
    submit.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

export function resetAccounts() {
  list.search = '';
  list.status = '';
  list.order = 'CREATED_AT:DESC';
  list.cursors = [null];
  showMessage($('#accounts-message'), '');
}
