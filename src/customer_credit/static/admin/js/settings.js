// "Configurações": the store's credit settings (`storeSettings`), saved with `updateStoreSettings`.
// Only an admin key sees this screen (the API refuses the mutation to any other anyway).

import { gql } from './api.js';
import { fmtDate, t } from './i18n.js';
import { $, announce, errorText, showMessage, showView } from './ui.js';

const FIELDS = 'invoiceDueDays maxInstallments authorizationTtlHours toleranceEnabled postponementEnabled maxPostponementDays updatedAt updatedBy';
const READ = `query StoreSettings { storeSettings { ${FIELDS} } }`;
const SAVE = `mutation SaveSettings($input: StoreSettingsInput!) {
  updateStoreSettings(input: $input) { settings { ${FIELDS} } errors { field code message } }
}`;

const NUMBERS = ['invoiceDueDays', 'maxInstallments', 'authorizationTtlHours', 'maxPostponementDays'];
const SWITCHES = ['toleranceEnabled', 'postponementEnabled'];

export function initSettings() {
  $('#settings-form').addEventListener('submit', save);
}

function clearErrors(form) {
  for (const name of NUMBERS) {
    form.elements[name].removeAttribute('aria-invalid');
    $(`#s-${name}-error`).textContent = '';
  }
  showMessage($('#settings-message'), '');
}

function fill(settings) {
  const form = $('#settings-form');
  for (const name of NUMBERS) form.elements[name].value = String(settings[name]);
  for (const name of SWITCHES) form.elements[name].checked = settings[name];
  $('#settings-updated').textContent = settings.updatedAt
    ? t('settings.updated', { date: fmtDate(settings.updatedAt), actor: settings.updatedBy })
    : t('settings.defaults');
}

export async function showSettings() {
  showView('view-settings');
  const form = $('#settings-form');
  clearErrors(form);
  try {
    fill((await gql(READ)).storeSettings);
  } catch (error) {
    showMessage($('#settings-message'), errorText(error));
  }
}

/** Field errors next to their inputs (the service's words), the rest above the form. */
function showErrors(form, errors) {
  const general = [];
  for (const error of errors) {
    if (NUMBERS.includes(error.field)) {
      form.elements[error.field].setAttribute('aria-invalid', 'true');
      const slot = $(`#s-${error.field}-error`);
      slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    } else {
      general.push(error.message);
    }
  }
  showMessage($('#settings-message'), general.length ? general.join(' ') : t('form.fixErrors'));
  (form.querySelector('[aria-invalid="true"]') || $('#settings-message')).focus();
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const input = {};
  const local = [];
  for (const name of NUMBERS) {
    const text = form.elements[name].value.trim();
    if (/^\d+$/.test(text)) input[name] = Number(text);
    else local.push({ field: name, message: t('settings.badNumber') });
  }
  for (const name of SWITCHES) input[name] = form.elements[name].checked;
  if (local.length) {
    showErrors(form, local);
    return;
  }
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    const { updateStoreSettings: payload } = await gql(SAVE, { input });
    if (payload.errors.length) {
      showErrors(form, payload.errors);
      return;
    }
    fill(payload.settings);
    showMessage($('#settings-message'), t('settings.saved'), 'ok');
    announce('settings.saved');
  } catch (error) {
    showMessage($('#settings-message'), errorText(error));
  } finally {
    submit.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
