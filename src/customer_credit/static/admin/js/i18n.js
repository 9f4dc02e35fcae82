// Texts in Portuguese (pt-BR, the default) and English, and locale-aware formatting.
// Static texts carry data-i18n="key" (and data-i18n-aria-label="key") in index.html.

const STRINGS = {
  'pt-BR': {
    skip: 'Pular para o conteúdo',
    'nav.label': 'Seções',
    'nav.accounts': 'Contas',
    'nav.import': 'Importar',
    'nav.imports': 'Histórico de importação',
    signout: 'Sair',
    langSwitch: 'English',
    'signin.title': 'Entrar',
    'signin.intro': 'Cole uma chave de API para usar o Admin. A chave fica só nesta aba do navegador e some quando ela é fechada.',
    'signin.key': 'Chave de API',
    'signin.hint': 'O serviço mostra a chave do admin ao iniciar pela primeira vez; outras chaves vêm de customer-credit api-keys create.',
    'signin.submit': 'Entrar',
    'signin.required': 'Cole a chave de API.',
    'signin.invalid': 'Chave inválida ou revogada.',
    'signin.expired': 'Sua chave não foi aceita. Entre de novo.',
    'signin.done': 'Você entrou.',
    'accounts.title': 'Contas',
    'accounts.import': 'Importar',
    'accounts.new': 'Novo',
    'accounts.filters': 'Filtrar contas',
    'accounts.search': 'Buscar',
    'accounts.searchHint': 'Início do id, do e-mail ou do documento',
    'accounts.status': 'Status',
    'accounts.statusAll': 'Todos',
    'accounts.order': 'Ordenar por',
    'accounts.apply': 'Buscar',
    'accounts.caption': 'Contas do Customer Credit',
    'accounts.empty': 'Nenhuma conta encontrada.',
    'accounts.total': (n) => (n === 1 ? '1 conta' : `${fmtInt(n)} contas`),
    'accounts.open': 'Abrir a conta {email}',
    'order.CREATED_AT:DESC': 'Mais recentes',
    'order.CREATED_AT:ASC': 'Mais antigas',
    'order.UPDATED_AT:DESC': 'Alteradas por último',
    'order.EMAIL:ASC': 'E-mail (A–Z)',
    'order.EMAIL:DESC': 'E-mail (Z–A)',
    'order.CREDIT_LIMIT:DESC': 'Maior limite',
    'order.CREDIT_LIMIT:ASC': 'Menor limite',
    'pager.label': 'Páginas',
    'pager.prev': 'Anterior',
    'pager.next': 'Próxima',
    'pager.page': 'Página {n}',
    'status.OPEN': 'Aberta',
    'status.CLOSED': 'Fechada',
    'field.id': 'Id',
    'field.email': 'E-mail',
    'field.document': 'Documento',
    'field.documentType': 'Tipo de documento',
    'field.creditLimit': 'Limite de crédito',
    'field.tolerance': 'Tolerância',
    'field.tolerancePct': 'Tolerância (%)',
    'field.status': 'Status',
    'field.description': 'Descrição',
    'field.createdAt': 'Criada em',
    'field.updatedAt': 'Alterada em',
    'field.version': 'Versão',
    'documentType.none': 'Nenhum',
    'documentType.OTHER': 'Outro',
    required: '(obrigatório)',
    'form.emailHint': 'É com o e-mail que o cliente é reconhecido no checkout.',
    'form.limitHint': 'Ex.: 1500,00 ou R$ 1.500,00. Vazio ao criar: o padrão do serviço.',
    'form.toleranceHint': 'Quanto o cliente pode gastar acima do limite, de 0 a 100.',
    'form.newTitle': 'Nova conta',
    'form.editTitle': 'Editar conta',
    'form.badNumber': 'Número inválido. Use, por exemplo, 1500,00.',
    'form.badPercent': 'Percentual inválido. Use, por exemplo, 5 ou 2,5.',
    'form.masked': 'Sua chave não pode ver o e-mail completo desta conta (falta o escopo pii:read), e o e-mail é obrigatório para salvar. Use uma chave com pii:read para editar.',
    'form.fixErrors': 'Corrija os campos marcados.',
    'form.created': 'Conta criada.',
    'form.saved': 'Conta salva.',
    'form.unchanged': 'Nada mudou.',
    'form.reopen': 'Feche e abra o formulário de novo para ver a versão atual.',
    cancel: 'Cancelar',
    confirm: 'Confirmar',
    more: 'Carregar mais',
    loading: 'Carregando…',
    'account.back': '← Voltar para contas',
    'account.edit': 'Editar',
    'account.close': 'Fechar conta',
    'account.history': 'Histórico de alterações',
    'account.notFound': 'Conta não encontrada.',
    'account.closeTitle': 'Fechar esta conta?',
    'account.closeText': 'A conta {email} será fechada. Uma conta fechada não pode ser reaberta nem alterada; o e-mail e o documento ficam livres para outra conta.',
    'account.closeConfirm': 'Fechar conta',
    'account.closed': 'Conta fechada.',
    'account.closedNote': 'Esta conta está fechada e não pode ser alterada.',
    'history.empty': 'Sem alterações registradas.',
    'history.by': 'versão {version} · {actor} · {source}',
    'history.run': 'importação {id}',
    'source.API': 'API',
    'source.IMPORT': 'importação',
    'change.from': 'de',
    'change.to': 'para',
    empty: '—',
    'import.title': 'Importar contas',
    'import.mode': 'O que você quer fazer?',
    'import.createHint': 'Cada linha abre uma conta nova.',
    'import.updateHint': 'Cada linha altera uma conta existente, achada pelo Id ou, sem Id, pelo e-mail. Células vazias não mudam nada.',
    'import.templateHint': 'Comece pelo modelo: só a coluna Email é obrigatória ao criar.',
    'import.template': 'Baixar modelo',
    'import.fileLabel': 'Arquivo CSV',
    'import.drop': 'Solte aqui seu CSV ou escolha um arquivo',
    'import.dropHint': 'CSV separado por vírgula ou ponto e vírgula, em UTF-8 ou Windows-1252',
    'import.chosen': 'Arquivo escolhido: {name} ({size})',
    'import.noFile': 'Escolha um arquivo CSV.',
    'import.dryRun': 'Simulação: validar tudo sem gravar nenhuma conta',
    'import.submit': 'Importar arquivo',
    'import.uploading': 'Enviando o arquivo…',
    'import.started': 'Importação iniciada.',
    'import.fileErrors': 'O arquivo não foi aceito:',
    'mode.CREATE': 'Criar',
    'mode.UPDATE': 'Atualizar',
    'runStatus.QUEUED': 'Na fila',
    'runStatus.RUNNING': 'Em andamento',
    'runStatus.SUCCEEDED': 'Concluída',
    'runStatus.COMPLETED_WITH_ERRORS': 'Concluída com erros',
    'runStatus.FAILED': 'Falhou',
    'run.title': 'Importação',
    'run.back': '← Voltar para o histórico',
    'run.notFound': 'Importação não encontrada.',
    'run.createdAt': 'Enviada em',
    'run.fileName': 'Arquivo',
    'run.mode': 'Modo',
    'run.status': 'Status',
    'run.rows': 'Linhas',
    'run.failed': 'Com erro',
    'run.open': 'Abrir a importação de {name}',
    'run.dryRun': 'simulação',
    'run.progress': 'Progresso da importação',
    'run.progressText': '{done} de {total} linhas processadas',
    'run.progressUnknown': '{done} linhas processadas',
    'run.finished': 'Importação terminada: {status}.',
    'run.created': 'Criadas',
    'run.updated': 'Atualizadas',
    'run.unchanged': 'Sem alteração',
    'run.failedRows': 'Com erro',
    'run.wouldCreate': 'Seriam criadas',
    'run.wouldUpdate': 'Seriam atualizadas',
    'run.dryRunNote': 'Simulação: nenhuma conta foi gravada.',
    'run.errors': 'Erros por linha',
    'run.errorsCount': (n) => (n === 1 ? '1 erro' : `${fmtInt(n)} erros`),
    'run.noErrors': 'Nenhuma linha com erro.',
    'run.report': 'Baixar relatório de erros (CSV)',
    'run.row': 'Linha',
    'run.column': 'Coluna',
    'run.code': 'Problema',
    'run.message': 'Mensagem',
    'run.details': '{size} · modo {mode}',
    'imports.title': 'Histórico de importação',
    'imports.empty': 'Nenhuma importação ainda.',
    'imports.total': (n) => (n === 1 ? '1 importação' : `${fmtInt(n)} importações`),
    'error.forbidden': 'Sua chave não tem permissão para isto.',
    'error.network': 'Não foi possível falar com o serviço. Tente de novo.',
    'error.generic': 'Algo deu errado: {message}',
    'download.failed': 'O download falhou.',
    // Row error codes, named in the import's error table (the message says more).
    'rowCode.REQUIRED': 'Campo obrigatório',
    'rowCode.INVALID_ID': 'Id inválido',
    'rowCode.INVALID_EMAIL': 'E-mail inválido',
    'rowCode.INVALID_DOCUMENT': 'Documento inválido',
    'rowCode.INVALID_DOCUMENT_TYPE': 'Tipo de documento inválido',
    'rowCode.INVALID_CREDIT_LIMIT': 'Limite inválido',
    'rowCode.INVALID_TOLERANCE': 'Tolerância inválida',
    'rowCode.INVALID_DESCRIPTION': 'Descrição inválida',
    'rowCode.EMAIL_IN_USE': 'E-mail já usado',
    'rowCode.DOCUMENT_IN_USE': 'Documento já usado',
    'rowCode.ACCOUNT_CLOSED': 'Conta fechada',
    'rowCode.NOT_FOUND': 'Conta não encontrada',
    'rowCode.VERSION_CONFLICT': 'Conta alterada no meio-tempo',
    'rowCode.OPEN_BALANCE': 'Saldo em aberto',
    'rowCode.ACCOUNT_EXISTS': 'Conta já existe',
    'rowCode.DUPLICATE_IN_FILE': 'Repetido no arquivo',
    'rowCode.INVALID_STATUS': 'Status inválido',
    'rowCode.MALFORMED_ROW': 'Linha malformada',
  },
  en: {
    skip: 'Skip to content',
    'nav.label': 'Sections',
    'nav.accounts': 'Accounts',
    'nav.import': 'Import',
    'nav.imports': 'Import history',
    signout: 'Sign out',
    langSwitch: 'Português',
    'signin.title': 'Sign in',
    'signin.intro': 'Paste an API key to use the Admin. The key stays in this browser tab only and is gone when the tab is closed.',
    'signin.key': 'API key',
    'signin.hint': 'The service prints the admin key on its first start; other keys come from customer-credit api-keys create.',
    'signin.submit': 'Sign in',
    'signin.required': 'Paste the API key.',
    'signin.invalid': 'Invalid or revoked key.',
    'signin.expired': 'Your key was not accepted. Please sign in again.',
    'signin.done': 'You are signed in.',
    'accounts.title': 'Accounts',
    'accounts.import': 'Import',
    'accounts.new': 'New',
    'accounts.filters': 'Filter accounts',
    'accounts.search': 'Search',
    'accounts.searchHint': 'Start of the id, email or document',
    'accounts.status': 'Status',
    'accounts.statusAll': 'All',
    'accounts.order': 'Sort by',
    'accounts.apply': 'Search',
    'accounts.caption': 'Customer Credit accounts',
    'accounts.empty': 'No accounts found.',
    'accounts.total': (n) => (n === 1 ? '1 account' : `${fmtInt(n)} accounts`),
    'accounts.open': 'Open the account {email}',
    'order.CREATED_AT:DESC': 'Newest',
    'order.CREATED_AT:ASC': 'Oldest',
    'order.UPDATED_AT:DESC': 'Recently changed',
    'order.EMAIL:ASC': 'Email (A–Z)',
    'order.EMAIL:DESC': 'Email (Z–A)',
    'order.CREDIT_LIMIT:DESC': 'Highest limit',
    'order.CREDIT_LIMIT:ASC': 'Lowest limit',
    'pager.label': 'Pages',
    'pager.prev': 'Previous',
    'pager.next': 'Next',
    'pager.page': 'Page {n}',
    'status.OPEN': 'Open',
    'status.CLOSED': 'Closed',
    'field.id': 'Id',
    'field.email': 'Email',
    'field.document': 'Document',
    'field.documentType': 'Document type',
    'field.creditLimit': 'Credit limit',
    'field.tolerance': 'Tolerance',
    'field.tolerancePct': 'Tolerance (%)',
    'field.status': 'Status',
    'field.description': 'Description',
    'field.createdAt': 'Created',
    'field.updatedAt': 'Changed',
    'field.version': 'Version',
    'documentType.none': 'None',
    'documentType.OTHER': 'Other',
    required: '(required)',
    'form.emailHint': 'The email is how the shopper is recognised at checkout.',
    'form.limitHint': 'E.g. 1500.00 or R$1,500.00. Empty when opening: the service default.',
    'form.toleranceHint': 'How much the holder may spend over the limit, 0 to 100.',
    'form.newTitle': 'New account',
    'form.editTitle': 'Edit account',
    'form.badNumber': 'Not a valid number. Write, for example, 1500.00.',
    'form.badPercent': 'Not a valid percentage. Write, for example, 5 or 2.5.',
    'form.masked': 'Your key cannot see this account\'s full email (it lacks the pii:read scope), and the email is required to save. Use a key with pii:read to edit.',
    'form.fixErrors': 'Please fix the marked fields.',
    'form.created': 'Account opened.',
    'form.saved': 'Account saved.',
    'form.unchanged': 'Nothing changed.',
    'form.reopen': 'Close and open the form again to see the current version.',
    cancel: 'Cancel',
    confirm: 'Confirm',
    more: 'Load more',
    loading: 'Loading…',
    'account.back': '← Back to accounts',
    'account.edit': 'Edit',
    'account.close': 'Close account',
    'account.history': 'Change history',
    'account.notFound': 'Account not found.',
    'account.closeTitle': 'Close this account?',
    'account.closeText': 'The account {email} will be closed. A closed account cannot be reopened or changed; its email and document become free for another account.',
    'account.closeConfirm': 'Close account',
    'account.closed': 'Account closed.',
    'account.closedNote': 'This account is closed and cannot be changed.',
    'history.empty': 'No changes recorded.',
    'history.by': 'version {version} · {actor} · {source}',
    'history.run': 'import {id}',
    'source.API': 'API',
    'source.IMPORT': 'import',
    'change.from': 'from',
    'change.to': 'to',
    empty: '—',
    'import.title': 'Import accounts',
    'import.mode': 'What do you want to do?',
    'import.createHint': 'Every row opens a new account.',
    'import.updateHint': 'Every row changes an existing account, found by Id or, with no Id, by email. Blank cells change nothing.',
    'import.templateHint': 'Start from the template: only the Email column is required when creating.',
    'import.template': 'Download template',
    'import.fileLabel': 'CSV file',
    'import.drop': 'Drop your CSV here or choose a file',
    'import.dropHint': 'Comma- or semicolon-separated CSV, in UTF-8 or Windows-1252',
    'import.chosen': 'Chosen file: {name} ({size})',
    'import.noFile': 'Choose a CSV file.',
    'import.dryRun': 'Dry run: check everything without writing any account',
    'import.submit': 'Import file',
    'import.uploading': 'Uploading the file…',
    'import.started': 'Import started.',
    'import.fileErrors': 'The file was not accepted:',
    'mode.CREATE': 'Create',
    'mode.UPDATE': 'Update',
    'runStatus.QUEUED': 'Queued',
    'runStatus.RUNNING': 'Running',
    'runStatus.SUCCEEDED': 'Succeeded',
    'runStatus.COMPLETED_WITH_ERRORS': 'Completed with errors',
    'runStatus.FAILED': 'Failed',
    'run.title': 'Import',
    'run.back': '← Back to the history',
    'run.notFound': 'Import not found.',
    'run.createdAt': 'Uploaded',
    'run.fileName': 'File',
    'run.mode': 'Mode',
    'run.status': 'Status',
    'run.rows': 'Rows',
    'run.failed': 'Failed',
    'run.open': 'Open the import of {name}',
    'run.dryRun': 'dry run',
    'run.progress': 'Import progress',
    'run.progressText': '{done} of {total} rows processed',
    'run.progressUnknown': '{done} rows processed',
    'run.finished': 'Import finished: {status}.',
    'run.created': 'Created',
    'run.updated': 'Updated',
    'run.unchanged': 'Unchanged',
    'run.failedRows': 'Failed',
    'run.wouldCreate': 'Would be created',
    'run.wouldUpdate': 'Would be updated',
    'run.dryRunNote': 'Dry run: no account was written.',
    'run.errors': 'Row errors',
    'run.errorsCount': (n) => (n === 1 ? '1 error' : `${fmtInt(n)} errors`),
    'run.noErrors': 'No row failed.',
    'run.report': 'Download the error report (CSV)',
    'run.row': 'Row',
    'run.column': 'Column',
    'run.code': 'Problem',
    'run.message': 'Message',
    'run.details': '{size} · mode {mode}',
    'imports.title': 'Import history',
    'imports.empty': 'No imports yet.',
    'imports.total': (n) => (n === 1 ? '1 import' : `${fmtInt(n)} imports`),
    'error.forbidden': 'Your key is not allowed to do this.',
    'error.network': 'Could not reach the service. Please try again.',
    'error.generic': 'Something went wrong: {message}',
    'download.failed': 'The download failed.',
    'rowCode.REQUIRED': 'Required field',
    'rowCode.INVALID_ID': 'Invalid id',
    'rowCode.INVALID_EMAIL': 'Invalid email',
    'rowCode.INVALID_DOCUMENT': 'Invalid document',
    'rowCode.INVALID_DOCUMENT_TYPE': 'Invalid document type',
    'rowCode.INVALID_CREDIT_LIMIT': 'Invalid credit limit',
    'rowCode.INVALID_TOLERANCE': 'Invalid tolerance',
    'rowCode.INVALID_DESCRIPTION': 'Invalid description',
    'rowCode.EMAIL_IN_USE': 'Email in use',
    'rowCode.DOCUMENT_IN_USE': 'Document in use',
    'rowCode.ACCOUNT_CLOSED': 'Account closed',
    'rowCode.NOT_FOUND': 'Account not found',
    'rowCode.VERSION_CONFLICT': 'Account changed meanwhile',
    'rowCode.OPEN_BALANCE': 'Open balance',
    'rowCode.ACCOUNT_EXISTS': 'Account exists',
    'rowCode.DUPLICATE_IN_FILE': 'Repeated in the file',
    'rowCode.INVALID_STATUS': 'Invalid status',
    'rowCode.MALFORMED_ROW': 'Malformed row',
  },
};

const STORAGE_KEY = 'customer-credit.lang';
let lang = STRINGS[localStorage.getItem(STORAGE_KEY)] ? localStorage.getItem(STORAGE_KEY) : 'pt-BR';

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = STRINGS[next] ? next : 'pt-BR';
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  translatePage();
}

/** The text for `key` in the current language ({name} placeholders filled from `params`);
 * English, then the key itself, when the current language has none. */
export function t(key, params = {}) {
  const entry = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  if (typeof entry === 'function') return entry(params.n);
  return entry.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

/** Whether the current language has a text for `key` (used for field names and error codes). */
export function has(key) {
  return key in STRINGS[lang];
}

/** Elements with data-i18n="key" (and data-i18n-params='{"name": "value"}') show t(key, params). */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n, JSON.parse(el.dataset.i18nParams || '{}'));
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  const sw = document.getElementById('lang-switch');
  if (sw) {
    sw.textContent = t('langSwitch');
    sw.lang = lang === 'en' ? 'pt-BR' : 'en';
  }
}

// Formatting. Decimal strings from the API ("1500.00") are passed to Intl as strings,
// which formats them exactly (no binary float in between).

/** Money in reais: "R$ 1.500,00" in Portuguese, "R$1,500.00" in English. */
export function fmtMoney(decimal) {
  if (decimal == null) return t('empty');
  return new Intl.NumberFormat(lang, { style: 'currency', currency: 'BRL' }).format(decimal);
}

/** An amount without the currency, as a form field shows it for editing: "1.500,00" / "1,500.00". */
export function fmtAmount(decimal) {
  return new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(decimal);
}

/** A CPF as 000.000.000-00 and a CNPJ (alphanumeric ones included) as 00.000.000/0000-00; anything
 * else (an OTHER document, a masked one) as it is. */
export function fmtDocument(type, document) {
  if (type === 'CPF' && /^\d{11}$/.test(document)) {
    return document.replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, '$1.$2.$3-$4');
  }
  if (type === 'CNPJ' && /^[0-9A-Z]{12}\d{2}$/.test(document)) {
    return document.replace(/^(.{2})(.{3})(.{3})(.{4})(.{2})$/, '$1.$2.$3/$4-$5');
  }
  return document;
}

export function fmtPercent(fraction) {
  if (fraction == null) return t('empty');
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(shiftDecimal(fraction, 2))}%`;
}

export function fmtInt(n) {
  return new Intl.NumberFormat(lang).format(n);
}

export function fmtDate(iso) {
  if (!iso) return t('empty');
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));
}

export function fmtBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let value = n;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: i ? 1 : 0 }).format(value)} ${units[i]}`;
}

/** Move the decimal point of a plain decimal string: shiftDecimal("0.05", 2) === "5". Exact. */
export function shiftDecimal(text, places) {
  const negative = text.startsWith('-');
  const [int, frac = ''] = text.replace(/^[-+]/, '').split('.');
  let digits = int + frac;
  let point = int.length + places;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let whole = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  let fraction = digits.slice(point).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Read a number as a person types it, in either language, as the CSV import does: "1500",
 * "1500,5", "1.500,50", "1,500.50", "1.000.000", with or without "R$" ("R$ 1.500,00", "R$1,500.00").
 * Returns a plain decimal string ("1500.50"), the API's form, or null when the text is not a
 * number or is ambiguous ("1.500" is 1.5 or 1500): never a guess. */
export function parseDecimal(text) {
  const s = text.replace(/\s/g, '').replace(/^R?\$/i, '');
  let m;
  if (/^\d+$/.test(s)) return s;
  if ((m = /^(\d+)[.,](\d{1,2}|\d{4,})$/.exec(s))) return `${m[1]}.${m[2]}`;
  if ((m = /^(\d{1,3}(?:\.\d{3})+),(\d+)$/.exec(s))) return `${m[1].replace(/\./g, '')}.${m[2]}`;
  if ((m = /^(\d{1,3}(?:,\d{3})+)\.(\d+)$/.exec(s))) return `${m[1].replace(/,/g, '')}.${m[2]}`;
  if ((m = /^\d{1,3}(?:([.,])\d{3}){2,}$/.exec(s)) && !s.includes(m[1] === '.' ? ',' : '.')) {
    return s.replace(/[.,]/g, '');
  }
  return null;
}
