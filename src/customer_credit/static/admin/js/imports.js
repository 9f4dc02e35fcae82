// "Importar": what (Contas or Faturas), mode, template or the invoice export, drop zone, upload (GraphQL
// multipart), live progress over the `importRunProgress` subscription (polling `importRun` if the
// socket fails), the result with its row errors and error report; "Histórico de importação" (filtered
// by kind) and one run's page.

import { download, gql, gqlUpload, subscribe } from './api.js';
import { fmtBytes, fmtDate, fmtInt, has, t } from './i18n.js';
import { $, announce, badge, errorText, h, row, showMessage, showView } from './ui.js';
import { can } from './viewer.js';

const RUN = `id kind mode dryRun fileName fileSize status totalRows processedRows
  createdCount updatedCount unchangedCount failedCount createdAt startedAt finishedAt errorReportUrl`;

const IMPORT = `mutation Import($file: Upload!, $mode: ImportMode!, $dryRun: Boolean!) {
  importCsv(file: $file, mode: $mode, dryRun: $dryRun) {
    importRun { ${RUN} }
    errors { code message }
  }
}`;

// Invoices are only updated (their status); `kind` is sent only for them, so the accounts' import
// is the request it always was.
const IMPORT_INVOICES = `mutation ImportInvoices($file: Upload!, $dryRun: Boolean!) {
  importCsv(file: $file, mode: UPDATE, kind: INVOICES, dryRun: $dryRun) {
    importRun { ${RUN} }
    errors { code message }
  }
}`;

const PROGRESS = `subscription Progress($id: ID!) { importRunProgress(id: $id) { ${RUN} } }`;

const ONE = `query Run($id: ID!, $after: String) {
  importRun(id: $id) {
    ${RUN}
    errors(first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { row column code message accountId }
    }
  }
}`;

const STATUS_ONLY = `query RunStatus($id: ID!) { importRun(id: $id) { ${RUN} } }`;

const HISTORY = `query Runs($after: String, $filter: ImportRunFilter) {
  importRuns(first: 20, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${RUN} }
  }
}`;

const TERMINAL = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED']);
const POLL_MS = 500;

let chosenFile = null;
let stopFollowing = () => {};
let historyCursor = null;

function statusBadge(status) {
  const kind = { SUCCEEDED: 'ok', COMPLETED_WITH_ERRORS: 'warn', FAILED: 'error' }[status] || 'info';
  return badge(t(`runStatus.${status}`), kind);
}

function kindText(run) {
  return t(`kind.${run.kind}`);
}

function modeText(run) {
  return run.dryRun ? `${t(`mode.${run.mode}`)} (${t('run.dryRun')})` : t(`mode.${run.mode}`);
}

// ---------------------------------------------------------------------------- the import form

export function initImports() {
  const form = $('#import-form');
  const input = $('#import-file');
  const zone = $('#import-drop');
  zone.addEventListener('click', () => input.click());
  input.addEventListener('change', () => choose(input.files[0] || null));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    choose(event.dataTransfer.files[0] || null);
  });
  $('#import-template').addEventListener('click', () => save('/imports/template.csv', 'customer-credit-template.csv'));
  $('#import-invoices-export').addEventListener('click', () => save('/invoices/export.csv', 'invoices.csv'));
  for (const radio of form.elements.kind) radio.addEventListener('change', showKind);
  form.addEventListener('submit', submitImport);
  $('#imports-more').addEventListener('click', () => loadHistory(historyCursor));
  $('#imports-kind').addEventListener('change', showImportHistory);
}

/** Download a file with the key (a Blob URL); a failure shows in the form's message. */
async function save(path, fallbackName) {
  try {
    await download(path, fallbackName);
  } catch (error) {
    showMessage($('#import-message'), errorText(error) || t('download.failed'));
  }
}

function choose(file) {
  chosenFile = file;
  $('#import-file-error').textContent = '';
  $('#import-drop').removeAttribute('aria-invalid');
  $('#import-file-name').textContent = file ? t('import.chosen', { name: file.name, size: fmtBytes(file.size) }) : '';
}

/** Faturas: no mode to choose (status updates only); the invoice export to edit (for a key that may
 * read invoices) instead of the accounts' template. */
function showKind() {
  const invoices = $('#import-form').elements.kind.value === 'INVOICES';
  $('#import-modes').hidden = invoices;
  $('#import-template-row').hidden = invoices;
  $('#import-invoices-hint').hidden = !invoices;
  $('#import-invoices-export-row').hidden = !invoices || !can('credit:read'); // the export needs it
  for (const [selector, accounts, invoiceKey] of [
    ['#import-title', 'import.title', 'import.titleInvoices'],
    ['#import-dry-run-label', 'import.dryRun', 'import.dryRunInvoices'],
  ]) {
    const element = $(selector);
    element.dataset.i18n = invoices ? invoiceKey : accounts;
    element.textContent = t(element.dataset.i18n);
  }
}

export function showImport() {
  showView('view-import');
  showKind();
}

/** Leaving an import page stops following its run. */
export function leaveImports() {
  stopFollowing();
  stopFollowing = () => {};
}

async function submitImport(event) {
  event.preventDefault();
  const form = event.target;
  showMessage($('#import-message'), '');
  if (!chosenFile) {
    $('#import-file-error').textContent = t('import.noFile');
    $('#import-drop').setAttribute('aria-invalid', 'true');
    $('#import-drop').focus();
    return;
  }
  const submit = $('#import-submit');
  submit.disabled = true;
  showMessage($('#import-message'), t('import.uploading'), 'info');
  try {
    const dryRun = form.elements.dryRun.checked;
    const { importCsv } = form.elements.kind.value === 'INVOICES'
      ? await gqlUpload(IMPORT_INVOICES, { dryRun }, 'file', chosenFile)
      : await gqlUpload(IMPORT, { mode: form.elements.mode.value, dryRun }, 'file', chosenFile);
    if (importCsv.errors.length) {
      showMessage($('#import-message'),
        `${t('import.fileErrors')} ${importCsv.errors.map((e) => e.message).join(' ')}`);
      return;
    }
    showMessage($('#import-message'), '');
    announce('import.started');
    leaveImports();
    const container = $('#import-result');
    follow(importCsv.importRun, container);
    $('h2', container).focus();
  } catch (error) {
    showMessage($('#import-message'), errorText(error));
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------------------- one run

/** Render a run into `container`, and follow it while it works: over the subscription, or by
 * polling when the socket cannot be used. The transport used is left in data-transport. */
function follow(run, container) {
  const view = renderRun(run, container);
  if (TERMINAL.has(run.status)) {
    finish(run.id, view);
    return;
  }
  let active = true;
  let timer = null;
  const poll = async () => {
    container.dataset.transport = 'polling';
    try {
      const { importRun } = await gql(STATUS_ONLY, { id: run.id });
      if (!active) return;
      view.update(importRun);
      if (TERMINAL.has(importRun.status)) {
        active = false;
        finish(run.id, view);
        return;
      }
    } catch (error) {
      if (!active) return;
      view.message(errorText(error));
    }
    if (active) timer = setTimeout(poll, POLL_MS);
  };
  container.dataset.transport = 'websocket';
  const unsubscribe = subscribe(PROGRESS, { id: run.id }, {
    onNext: (data) => active && view.update(data.importRunProgress),
    onComplete: () => {
      if (!active) return;
      active = false;
      finish(run.id, view);
    },
    onFail: () => active && poll(),
  });
  stopFollowing = () => {
    active = false;
    clearTimeout(timer);
    unsubscribe();
  };
}

async function finish(id, view) {
  try {
    const { importRun } = await gql(ONE, { id, after: null });
    view.update(importRun);
    view.errors(importRun, false);
    view.done(importRun);
  } catch (error) {
    view.message(errorText(error));
  }
}

function renderRun(run, container) {
  const uid = `run-${run.id}`;
  const title = h('h2', { tabindex: '-1', id: `${uid}-title`, class: 'break' }, run.fileName);
  const meta = h('p', { class: 'meta' });
  const statusSlot = h('p', { class: 'run-status' });
  const progress = h('progress', { id: `${uid}-progress`, max: 1, value: 0 });
  const progressText = h('p', { class: 'progress-text', 'aria-live': 'polite', id: `${uid}-progress-text` });
  const counts = h('dl', { class: 'counts' });
  const note = h('p', { class: 'notice', hidden: true }, t(run.kind === 'INVOICES' ? 'run.dryRunNoteInvoices' : 'run.dryRunNote'));
  const message = h('div', { class: 'form-message', role: 'alert' });
  const errorsSection = h('section', { class: 'run-errors', 'aria-labelledby': `${uid}-errors-title`, hidden: true });
  const card = h('section', { class: 'card run stack', 'aria-labelledby': title.id, dataset: { runId: run.id } },
    h('div', { class: 'run-head' }, title, meta, statusSlot),
    h('div', { class: 'progress' },
      h('label', { for: progress.id }, t('run.progress')),
      progress, progressText),
    counts, note, message, errorsSection);
  container.replaceChildren(card);
  let errorsCursor = null;

  const view = {
    update(current) {
      card.dataset.status = current.status;
      meta.textContent = `${t('run.details', { kind: kindText(current), size: fmtBytes(current.fileSize), mode: modeText(current) })} · ${fmtDate(current.createdAt)}`;
      meta.dataset.kind = current.kind;
      statusSlot.replaceChildren(statusBadge(current.status));
      const total = current.totalRows;
      const done = current.processedRows;
      if (total != null) {
        progress.max = Math.max(total, 1);
        progress.value = total === 0 && TERMINAL.has(current.status) ? 1 : done;
        progressText.textContent = t('run.progressText', { done: fmtInt(done), total: fmtInt(total) });
      } else {
        progress.removeAttribute('value'); // indeterminate until the total is known
        progressText.textContent = t('run.progressUnknown', { done: fmtInt(done) });
      }
      const dry = current.dryRun;
      note.hidden = !dry;
      // An invoice import only changes invoices: it has no count of created ones to show.
      counts.replaceChildren(...[
        current.kind === 'INVOICES' ? null : [dry ? 'run.wouldCreate' : 'run.created', current.createdCount, 'created'],
        [dry ? 'run.wouldUpdate' : 'run.updated', current.updatedCount, 'updated'],
        ['run.unchanged', current.unchangedCount, 'unchanged'],
        ['run.failedRows', current.failedCount, 'failed'],
      ].filter(Boolean).map(([key, n, name]) => h('div', { class: `count count-${name}`, dataset: { count: name } },
        h('dt', {}, t(key)), h('dd', {}, fmtInt(n)))));
    },
    message(text) {
      showMessage(message, text);
    },
    errors(current, append) {
      const connection = current.errors;
      const headers = ['run.row', 'run.column', 'run.code', 'run.message'].map((k) => t(k));
      if (!append) {
        const tbody = h('tbody');
        const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('more'));
        const children = [
          h('h3', { id: `${uid}-errors-title` }, `${t('run.errors')} (${t('run.errorsCount', { n: connection.totalCount })})`),
        ];
        if (connection.totalCount === 0) {
          children.push(h('p', { class: 'empty' }, t('run.noErrors')));
        } else {
          if (current.errorReportUrl) {
            children.push(h('p', {}, h('button', {
              type: 'button',
              class: 'btn',
              'data-report': '',
              onclick: async () => {
                try {
                  await download(current.errorReportUrl, `import-${current.id}-errors.csv`);
                } catch (error) {
                  view.message(errorText(error) || t('download.failed'));
                }
              },
            }, t('run.report'))));
          }
          children.push(
            h('div', { class: 'table-wrap' }, h('table', { class: 'data errors' },
              h('caption', { class: 'visually-hidden' }, t('run.errors')),
              h('thead', {}, h('tr', {}, headers.map((text, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : null }, text)))),
              tbody)),
            more,
          );
          more.addEventListener('click', async () => {
            try {
              const { importRun } = await gql(ONE, { id: current.id, after: errorsCursor });
              view.errors(importRun, true);
            } catch (error) {
              view.message(errorText(error));
            }
          });
        }
        errorsSection.replaceChildren(...children);
        errorsSection.hidden = false;
      }
      const tbody = $('tbody', errorsSection);
      tbody?.append(...connection.nodes.map((e) => row([
        { content: String(e.row), className: 'num' },
        e.column || t('empty'),
        h('span', { 'data-code': e.code }, has(`rowCode.${e.code}`) ? t(`rowCode.${e.code}`) : e.code),
        { content: e.message, className: 'break' },
      ], headers)));
      errorsCursor = connection.pageInfo.endCursor;
      const more = $('.run-errors > button', card);
      if (more) more.hidden = !connection.pageInfo.hasNextPage;
    },
    done(current) {
      announce('run.finished', { status: t(`runStatus.${current.status}`) });
    },
  };
  view.update(run);
  return view;
}

export async function showImportRun(id) {
  showView('view-import-run');
  const container = $('#run-result');
  container.replaceChildren(h('p', {}, t('loading')));
  try {
    const { importRun } = await gql(STATUS_ONLY, { id });
    if (!importRun) {
      container.replaceChildren(h('p', { class: 'empty' }, t('run.notFound')));
      return;
    }
    follow(importRun, container);
  } catch (error) {
    container.replaceChildren(h('div', { class: 'form-message shown', role: 'alert' }, errorText(error)));
  }
}

// ---------------------------------------------------------------------------- history

export async function showImportHistory() {
  showView('view-imports');
  $('#imports-table tbody').replaceChildren();
  await loadHistory(null);
}

async function loadHistory(after) {
  let data;
  try {
    const kind = $('#imports-kind').value;
    data = await gql(HISTORY, { after, filter: kind ? { kind } : null });
  } catch (error) {
    $('#imports-total').textContent = errorText(error);
    return;
  }
  const { nodes, totalCount, pageInfo } = data.importRuns;
  const headers = ['run.fileName', 'run.createdAt', 'run.kind', 'run.mode', 'run.status', 'run.rows', 'run.created', 'run.updated', 'run.unchanged', 'run.failed'].map((k) => t(k));
  const count = (n, name) => ({ content: h('span', { dataset: { count: name } }, fmtInt(n)), className: 'num' });
  $('#imports-table tbody').append(...nodes.map((run) => row([
    h('a', { href: `#/imports/${encodeURIComponent(run.id)}`, class: 'break' }, run.fileName),
    fmtDate(run.createdAt),
    h('span', { dataset: { kind: run.kind } }, kindText(run)),
    modeText(run),
    statusBadge(run.status),
    { content: run.totalRows == null ? fmtInt(run.processedRows) : `${fmtInt(run.processedRows)} / ${fmtInt(run.totalRows)}`, className: 'num' },
    count(run.createdCount, 'created'),
    count(run.updatedCount, 'updated'),
    count(run.unchangedCount, 'unchanged'),
    count(run.failedCount, 'failed'),
  ], headers)));
  const empty = totalCount === 0;
  $('#imports-empty').hidden = !empty;
  $('#imports-table').parentElement.hidden = empty;
  $('#imports-total').textContent = t('imports.total', { n: totalCount });
  historyCursor = pageInfo.endCursor;
  $('#imports-more').hidden = !pageInfo.hasNextPage;
}
