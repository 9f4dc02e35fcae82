// The credit part of an account's page: the four numbers, the holds, the invoices (Pagar, Adiar,
// Cancelar), the statement with its running balance, and the additional holders. Each part shows
// only what the key's scopes allow; a refused mutation shows the API's own message.

import { gql } from './api.js';
import { fmtDate, fmtDay, fmtInt, fmtMoney, t } from './i18n.js';
import { $, announce, badge, confirmDialog, errorText, h, openDialog, row, showMessage } from './ui.js';
import { can } from './viewer.js';

const PAGE_SIZE = 20;
const INVOICE = 'id accountId installment numberOfInstallments amount originalAmount status overdue dueDate originalDueDate';
const ENTRY = 'id at kind amount balanceAfter actor note invoiceId';

const NUMBERS = `query Credit($id: ID!) {
  account(id: $id) { id spendingLimit availableCredit heldCredit balance holders { id email addedAt } }
}`;

const LEDGER = `query Ledger($id: ID!) {
  account(id: $id) {
    transactions(first: 50, status: AUTHORIZED) { nodes { id amount installments orderId createdAt expiresAt } }
    invoices(first: ${PAGE_SIZE}) { pageInfo { hasNextPage endCursor } nodes { ${INVOICE} } }
    statement(first: ${PAGE_SIZE}) { pageInfo { hasNextPage endCursor } nodes { ${ENTRY} } }
  }
}`;

const MORE_INVOICES = `query MoreInvoices($id: ID!, $after: String) {
  account(id: $id) { invoices(first: ${PAGE_SIZE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${INVOICE} } } }
}`;

const MORE_STATEMENT = `query MoreStatement($id: ID!, $after: String) {
  account(id: $id) { statement(first: ${PAGE_SIZE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${ENTRY} } } }
}`;

const INVOICE_PAYLOAD = 'invoice { id status dueDate } errors { field code message }';
const PAY = `mutation Pay($input: InvoiceActionInput!) { payInvoice(input: $input) { ${INVOICE_PAYLOAD} } }`;
const CANCEL = `mutation CancelInvoice($input: InvoiceActionInput!) { cancelInvoice(input: $input) { ${INVOICE_PAYLOAD} } }`;
const POSTPONE = `mutation Postpone($input: PostponeInvoiceInput!) { postponeInvoice(input: $input) { ${INVOICE_PAYLOAD} } }`;

const HOLDER_PAYLOAD = 'account { id holders { id email addedAt } } errors { field code message }';
const ADD_HOLDER = `mutation AddHolder($accountId: ID!, $email: String!) {
  addAccountHolder(accountId: $accountId, email: $email) { ${HOLDER_PAYLOAD} }
}`;
const REMOVE_HOLDER = `mutation RemoveHolder($accountId: ID!, $email: String!) {
  removeAccountHolder(accountId: $accountId, email: $email) { ${HOLDER_PAYLOAD} }
}`;

let shown = null; // { id, status } of the account whose credit is shown
let invoicesCursor = null;
let statementCursor = null;
let postponing = null; // the invoice the postpone dialog is about

const isMasked = (email) => /^[^@]?\*\*\*@/.test(email ?? '');

/** A fresh idempotency key per click: a retry of the same click is not sent, so each is new. */
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `admin-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function notice(key) {
  showMessage($('#account-notice'), t(key), 'ok');
  announce(key);
}

function failure(text) {
  showMessage($('#account-notice'), '');
  showMessage($('#account-message'), text);
}

export function invoiceStatusBadges(invoice) {
  const kind = { OPEN: 'info', PAID: 'ok', CANCELLED: 'muted' }[invoice.status];
  const status = badge(t(`invoiceStatus.${invoice.status}`), kind);
  return invoice.overdue ? [status, ' ', badge(t('invoice.overdue'), 'error')] : [status];
}

export function dueDateText(invoice) {
  const due = fmtDay(invoice.dueDate);
  return invoice.dueDate === invoice.originalDueDate ? due : `${due} (${t('invoice.postponed', { date: fmtDay(invoice.originalDueDate) })})`;
}

// ---------------------------------------------------------------------------- setup

export function initCredit() {
  $('#account-invoices-more').addEventListener('click', () => loadMore(MORE_INVOICES, 'invoices', invoicesCursor));
  $('#statement-more').addEventListener('click', () => loadMore(MORE_STATEMENT, 'statement', statementCursor));
  $('#holder-form').addEventListener('submit', addHolder);
  $('#postpone-form').addEventListener('submit', submitPostpone);
  $('#postpone-dialog [data-close]').addEventListener('click', () => $('#postpone-dialog').close());
}

/** Empty every credit part, before an account is loaded. */
export function clearCredit() {
  shown = null;
  showMessage($('#account-notice'), '');
  $('#credit-numbers').replaceChildren();
  $('#holders-list').replaceChildren();
  for (const id of ['#holds-table', '#account-invoices-table', '#statement-table']) $(`${id} tbody`).replaceChildren();
  $('#account-invoices-more').hidden = true;
  $('#statement-more').hidden = true;
}

/** Load and draw the credit parts of the account `account` (already shown above them). */
export async function showCredit(account) {
  shown = { id: account.id, status: account.status };
  $('#holder-form').hidden = account.status === 'CLOSED' || !can('accounts:write');
  try {
    const [numbers, ledger] = await Promise.all([
      gql(NUMBERS, { id: account.id }),
      can('credit:read') ? gql(LEDGER, { id: account.id }) : null,
    ]);
    if (shown?.id !== account.id || !numbers.account) return;
    renderNumbers(numbers.account);
    renderHolders(numbers.account.holders);
    if (ledger?.account) {
      renderHolds(ledger.account.transactions.nodes);
      renderInvoices(ledger.account.invoices, false);
      renderStatement(ledger.account.statement, false);
    }
  } catch (error) {
    failure(errorText(error));
  }
}

async function refresh() {
  if (shown) await showCredit(shown);
}

async function loadMore(query, field, after) {
  try {
    const data = await gql(query, { id: shown.id, after });
    if (!data.account) return;
    if (field === 'invoices') renderInvoices(data.account.invoices, true);
    else renderStatement(data.account.statement, true);
  } catch (error) {
    failure(errorText(error));
  }
}

// ---------------------------------------------------------------------------- drawing

function renderNumbers(account) {
  const items = [
    ['credit.spendingLimit', account.spendingLimit, 'spendingLimit'],
    ['credit.availableCredit', account.availableCredit, 'availableCredit'],
    ['credit.heldCredit', account.heldCredit, 'heldCredit'],
    ['credit.balance', account.balance, 'balance'],
  ];
  $('#credit-numbers').replaceChildren(...items.map(([key, value, name]) => h('div', { class: `count count-${name}`, dataset: { number: name } },
    h('dt', {}, t(key)),
    h('dd', {}, fmtMoney(value)),
    name === 'balance' ? h('dd', { class: 'hint' }, t('credit.balanceHint')) : null)));
}

function table(id, nodes, emptyId, rows) {
  $(`${id} tbody`).replaceChildren(...rows);
  $(emptyId).hidden = nodes.length > 0;
  $(id).parentElement.hidden = nodes.length === 0;
}

function renderHolds(holds) {
  const headers = ['tx.createdAt', 'tx.orderId', 'tx.amount', 'tx.installments', 'tx.expiresAt'].map((k) => t(k));
  table('#holds-table', holds, '#holds-empty', holds.map((hold) => row([
    h('time', { datetime: hold.createdAt }, fmtDate(hold.createdAt)),
    { content: hold.orderId || t('empty'), className: 'break' },
    { content: fmtMoney(hold.amount), className: 'num' },
    { content: fmtInt(hold.installments), className: 'num' },
    h('time', { datetime: hold.expiresAt }, fmtDate(hold.expiresAt)),
  ], headers)));
}

function invoiceActions(invoice) {
  if (invoice.status !== 'OPEN') return t('empty');
  const button = (label, aria, onclick, extra = '') => h('button', {
    type: 'button', class: `btn btn-small ${extra}`.trim(), 'aria-label': t(aria, { id: invoice.id }), onclick,
  }, t(label));
  return h('div', { class: 'actions' },
    button('invoice.pay', 'invoice.payLabel', () => pay(invoice), 'btn-primary'),
    button('invoice.postpone', 'invoice.postponeLabel', () => openPostpone(invoice)),
    button('invoice.cancel', 'invoice.cancelLabel', () => cancel(invoice)));
}

function renderInvoices(connection, append) {
  const withActions = can('invoices:write');
  const headers = ['invoice.id', 'invoice.dueDate', 'invoice.amount', 'invoice.status', 'invoice.actions'].map((k) => t(k));
  const rows = connection.nodes.map((invoice) => {
    const tr = row([
      h('span', {}, h('code', { class: 'break' }, invoice.id), h('span', { class: 'hint block' },
        t('invoice.installment', { k: invoice.installment, n: invoice.numberOfInstallments }))),
      dueDateText(invoice),
      { content: fmtMoney(invoice.amount), className: 'num' },
      h('span', {}, invoiceStatusBadges(invoice)),
      ...(withActions ? [invoiceActions(invoice)] : []),
    ], headers);
    tr.dataset.invoiceId = invoice.id;
    return tr;
  });
  if (append) {
    $('#account-invoices-table tbody').append(...rows);
  } else {
    table('#account-invoices-table', connection.nodes, '#account-invoices-empty', rows);
  }
  invoicesCursor = connection.pageInfo.endCursor;
  $('#account-invoices-more').hidden = !connection.pageInfo.hasNextPage;
}

function renderStatement(connection, append) {
  const headers = ['entry.at', 'entry.kind', 'entry.amount', 'entry.balanceAfter', 'entry.actor'].map((k) => t(k));
  const rows = connection.nodes.map((entry) => {
    const tr = row([
      h('time', { datetime: entry.at }, fmtDate(entry.at)),
      h('span', {}, t(`entryKind.${entry.kind}`),
        entry.invoiceId ? h('span', { class: 'hint block break' }, entry.invoiceId) : null,
        entry.note ? h('span', { class: 'hint block break' }, entry.note) : null),
      { content: fmtMoney(entry.amount), className: `num ${entry.amount.startsWith('-') ? 'debit' : 'credit'}` },
      { content: fmtMoney(entry.balanceAfter), className: 'num' },
      { content: entry.actor, className: 'break' },
    ], headers);
    tr.dataset.kind = entry.kind;
    return tr;
  });
  if (append) {
    $('#statement-table tbody').append(...rows);
  } else {
    table('#statement-table', connection.nodes, '#statement-empty', rows);
  }
  statementCursor = connection.pageInfo.endCursor;
  $('#statement-more').hidden = !connection.pageInfo.hasNextPage;
}

function renderHolders(holders) {
  const removable = can('accounts:write') && !$('#holder-form').hidden;
  const items = holders.map((holder) => h('li', {},
    h('span', { class: 'break holder-email' }, holder.email),
    h('span', { class: 'hint' }, t('holders.addedAt', { date: fmtDate(holder.addedAt) })),
    removable && !isMasked(holder.email)
      ? h('button', {
        type: 'button',
        class: 'btn btn-small',
        'aria-label': t('holders.removeLabel', { email: holder.email }),
        onclick: () => removeHolder(holder.email),
      }, t('holders.remove'))
      : null));
  $('#holders-list').replaceChildren(...(items.length ? items : [h('li', { class: 'empty' }, t('holders.empty'))]));
}

// ---------------------------------------------------------------------------- invoice actions

/** Send one invoice mutation; its payload's errors (in the page's language) go to the alert. */
async function invoiceMutation(query, field, input, doneKey) {
  showMessage($('#account-message'), '');
  try {
    const data = await gql(query, { input: { ...input, idempotencyKey: idempotencyKey() } });
    const payload = data[field];
    if (payload.errors.length) {
      failure(payload.errors.map((e) => e.message).join(' '));
      return payload.errors;
    }
    notice(doneKey);
    await refresh();
    return [];
  } catch (error) {
    failure(errorText(error));
    return [{ message: errorText(error) }];
  }
}

function pay(invoice) {
  return invoiceMutation(PAY, 'payInvoice', { invoiceId: invoice.id }, 'invoice.paid');
}

async function cancel(invoice) {
  const ok = await confirmDialog({
    title: t('invoice.cancelTitle'),
    text: t('invoice.cancelText', { id: invoice.id, amount: fmtMoney(invoice.amount) }),
    confirmLabel: t('invoice.cancelConfirm'),
  });
  if (ok) await invoiceMutation(CANCEL, 'cancelInvoice', { invoiceId: invoice.id }, 'invoice.cancelled');
}

function openPostpone(invoice) {
  postponing = invoice;
  const form = $('#postpone-form');
  form.reset();
  form.elements.days.removeAttribute('aria-invalid');
  $('#postpone-days-error').textContent = '';
  showMessage($('#postpone-message'), '');
  $('#postpone-text').textContent = t('postpone.text', { id: invoice.id, date: fmtDay(invoice.dueDate) });
  openDialog($('#postpone-dialog'), { focus: '#postpone-days' });
}

async function submitPostpone(event) {
  event.preventDefault();
  const form = event.target;
  const input = form.elements.days;
  const days = Number(input.value);
  input.removeAttribute('aria-invalid');
  $('#postpone-days-error').textContent = '';
  showMessage($('#postpone-message'), '');
  if (!/^\d+$/.test(input.value.trim()) || days < 1) {
    input.setAttribute('aria-invalid', 'true');
    $('#postpone-days-error').textContent = t('postpone.badDays');
    input.focus();
    return;
  }
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const data = await gql(POSTPONE, { input: { invoiceId: postponing.id, days, idempotencyKey: idempotencyKey() } });
    const { errors } = data.postponeInvoice;
    if (errors.length) {
      // The store may not allow postponing, or not that many days: the service says which.
      const onDays = errors.filter((e) => e.field === 'days');
      if (onDays.length) {
        input.setAttribute('aria-invalid', 'true');
        $('#postpone-days-error').textContent = onDays.map((e) => e.message).join(' ');
      }
      showMessage($('#postpone-message'), errors.map((e) => e.message).join(' '));
      $('#postpone-message').focus();
      return;
    }
    $('#postpone-dialog').close();
    notice('invoice.postponedDone');
    await refresh();
  } catch (error) {
    showMessage($('#postpone-message'), errorText(error));
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------------------- holders

async function holderMutation(query, field, email, doneKey) {
  const payload = (await gql(query, { accountId: shown.id, email }))[field];
  if (payload.errors.length) return payload.errors;
  renderHolders(payload.account.holders);
  notice(doneKey);
  return [];
}

async function addHolder(event) {
  event.preventDefault();
  const form = event.target;
  const input = form.elements.email;
  const slot = $('#holder-email-error');
  input.removeAttribute('aria-invalid');
  slot.textContent = '';
  showMessage($('#account-message'), '');
  const email = input.value.trim();
  if (!email) {
    input.setAttribute('aria-invalid', 'true');
    slot.textContent = t('holders.required');
    input.focus();
    return;
  }
  try {
    const errors = await holderMutation(ADD_HOLDER, 'addAccountHolder', email, 'holders.added');
    if (errors.length) {
      input.setAttribute('aria-invalid', 'true');
      slot.textContent = errors.map((e) => e.message).join(' ');
      showMessage($('#account-message'), slot.textContent);
      input.focus();
      return;
    }
    form.reset();
  } catch (error) {
    failure(errorText(error));
  }
}

async function removeHolder(email) {
  showMessage($('#account-message'), '');
  try {
    const errors = await holderMutation(REMOVE_HOLDER, 'removeAccountHolder', email, 'holders.removed');
    if (errors.length) failure(errors.map((e) => e.message).join(' '));
    else $('#holders-title').focus();
  } catch (error) {
    failure(errorText(error));
  }
}
