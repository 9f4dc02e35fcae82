// "Faturas": every invoice of the store, filtered by status, overdue, due-date range and account,
// in keyset pages; the totals above the list are those of the whole filtered set
// (`invoiceTotals`), not of the page shown — the original's screen summed only its page.

import { gql } from './api.js';
import { fmtInt, fmtMoney, t } from './i18n.js';
import { dueDateText, invoiceStatusBadges } from './credit.js';
import { $, errorText, h, row, showMessage, showView } from './ui.js';

const PAGE_SIZE = 20;

const LIST = `query Invoices($first: Int, $after: String, $filter: InvoiceFilter) {
  invoices(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { id accountId installment numberOfInstallments amount status overdue dueDate originalDueDate }
  }
}`;

const TOTALS = `query InvoiceTotals($filter: InvoiceFilter) {
  invoiceTotals(filter: $filter) { count amount openAmount paidAmount }
}`;

const FILTERS = ['status', 'overdue', 'dueFrom', 'dueTo', 'accountId'];
const EMPTY_FILTER = Object.fromEntries(FILTERS.map((name) => [name, '']));

// As the accounts' list: the filter and page survive a visit to an account.
const list = { filter: { ...EMPTY_FILTER }, cursors: [null] };
let listRequest = 0;

export function initInvoices() {
  const form = $('#invoices-filters');
  const refilter = () => {
    for (const name of FILTERS) list.filter[name] = form.elements[name].value.trim();
    list.cursors = [null];
    load();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refilter();
  });
  for (const name of ['status', 'overdue']) form.elements[name].addEventListener('change', refilter);
  $('#invoices-next').addEventListener('click', () => {
    const next = $('#invoices-next').dataset.cursor;
    if (next) {
      list.cursors.push(next);
      load({ focusTable: true });
    }
  });
  $('#invoices-prev').addEventListener('click', () => {
    if (list.cursors.length > 1) {
      list.cursors.pop();
      load({ focusTable: true });
    }
  });
}

export async function showInvoices() {
  showView('view-invoices');
  const form = $('#invoices-filters');
  for (const name of FILTERS) form.elements[name].value = list.filter[name];
  await load();
}

export function resetInvoices() {
  list.filter = { ...EMPTY_FILTER };
  list.cursors = [null];
}

/** The API's InvoiceFilter: only what was filled in; overdue as a boolean. */
function apiFilter() {
  const filter = {};
  const { status, overdue, dueFrom, dueTo, accountId } = list.filter;
  if (status) filter.status = status;
  if (overdue) filter.overdue = overdue === 'true';
  if (dueFrom) filter.dueFrom = dueFrom;
  if (dueTo) filter.dueTo = dueTo;
  if (accountId) filter.accountId = accountId;
  return filter;
}

async function load({ focusTable = false } = {}) {
  const request = ++listRequest;
  const filter = apiFilter();
  const table = $('#invoices-table');
  table.setAttribute('aria-busy', 'true');
  showMessage($('#invoices-message'), '');
  let page;
  let totals;
  try {
    [page, totals] = await Promise.all([
      gql(LIST, { first: PAGE_SIZE, after: list.cursors.at(-1), filter }),
      gql(TOTALS, { filter }),
    ]);
  } catch (error) {
    if (request === listRequest) showMessage($('#invoices-message'), errorText(error), 'error');
    return;
  } finally {
    if (request === listRequest) table.removeAttribute('aria-busy');
  }
  if (request !== listRequest) return; // a newer filter has started
  renderTotals(totals.invoiceTotals);
  const { nodes, pageInfo } = page.invoices;
  const headers = ['invoice.id', 'invoice.account', 'invoice.dueDate', 'invoice.amount', 'invoice.status'].map((k) => t(k));
  $('tbody', table).replaceChildren(...nodes.map((invoice) => {
    const tr = row([
      h('span', {}, h('code', { class: 'break' }, invoice.id), h('span', { class: 'hint block' },
        t('invoice.installment', { k: invoice.installment, n: invoice.numberOfInstallments }))),
      h('a', { href: `#/accounts/${encodeURIComponent(invoice.accountId)}`, class: 'break' }, invoice.accountId),
      dueDateText(invoice),
      { content: fmtMoney(invoice.amount), className: 'num' },
      h('span', {}, invoiceStatusBadges(invoice)),
    ], headers);
    tr.dataset.invoiceId = invoice.id;
    return tr;
  }));
  $('#invoices-empty').hidden = nodes.length > 0;
  table.parentElement.hidden = nodes.length === 0;
  $('#invoices-page').textContent = t('pager.page', { n: fmtInt(list.cursors.length) });
  $('#invoices-prev').disabled = list.cursors.length <= 1;
  $('#invoices-next').disabled = !pageInfo.hasNextPage;
  $('#invoices-next').dataset.cursor = pageInfo.hasNextPage ? pageInfo.endCursor : '';
  // Paging moved the content: start reading from the top of the new page.
  if (focusTable) ($('tbody a', table) || $('#invoices-title')).focus();
}

function renderTotals(totals) {
  $('#invoices-totals').replaceChildren(...[
    ['invoices.count', fmtInt(totals.count), 'count'],
    ['invoices.amount', fmtMoney(totals.amount), 'amount'],
    ['invoices.openAmount', fmtMoney(totals.openAmount), 'openAmount'],
    ['invoices.paidAmount', fmtMoney(totals.paidAmount), 'paidAmount'],
  ].map(([key, value, name]) => h('div', { class: 'count', dataset: { total: name } }, h('dt', {}, t(key)), h('dd', {}, value))));
}
