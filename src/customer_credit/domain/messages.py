"""Every text a person reads about an error, in English and Brazilian Portuguese.

An error carries a `Message`: a catalog key (its code, or `CODE.variant` when one code has
several explanations) and its parameters. Nothing here knows about requests: each transport
renders a message in the language its request asked for (GraphQL, REST and the error report
each in one place), and stored import row errors keep the key and parameters, so they can be
rendered in either language when read. The codes themselves never change with the language.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union


class Language(str, enum.Enum):
    EN = "en"
    PT_BR = "pt-BR"


DEFAULT_LANGUAGE = Language.EN

ParamValue = Union[str, int, Decimal, "Message", tuple["Message", ...]]

# The key of a text kept as it was written (rows stored before messages had keys): the same in every language.
VERBATIM = "VERBATIM"


@dataclass(frozen=True)
class Message:
    key: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    def render(self, language: Language = DEFAULT_LANGUAGE) -> str:
        texts = CATALOG[self.key]
        template = texts[0] if language is Language.EN else texts[1]
        return _Formatter(language).format(template, **dict(self.params))

    @property
    def english(self) -> str:
        return self.render(Language.EN)

    def stored(self) -> dict[str, Any]:
        """The message as a document (key and parameters), for a store that renders it later."""
        return {"key": self.key, "params": {name: _stored(value) for name, value in self.params}}

    @classmethod
    def from_stored(cls, document: Mapping[str, Any]) -> Message:
        params = document.get("params") or {}
        return cls(str(document["key"]), tuple((name, _loaded(value)) for name, value in params.items()))


def message(key: str, /, **params: ParamValue) -> Message:
    """The message `key` of the catalog with its parameters; an unknown key is a programming error."""
    if key not in CATALOG:
        raise KeyError(f"no message {key!r} in the catalog")
    return Message(key, tuple(params.items()))


def verbatim(text: str) -> Message:
    return Message(VERBATIM, (("text", text),))


def _stored(value: ParamValue) -> Any:
    if isinstance(value, Message):
        return {"message": value.stored()}
    if isinstance(value, tuple):
        return {"messages": [item.stored() for item in value]}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _loaded(value: Any) -> ParamValue:
    if isinstance(value, dict) and "message" in value:
        return Message.from_stored(value["message"])
    if isinstance(value, dict) and "messages" in value:
        return tuple(Message.from_stored(item) for item in value["messages"])
    if isinstance(value, dict) and "decimal" in value:
        return Decimal(value["decimal"])
    return value if isinstance(value, int | str) else str(value)


class _Formatter(string.Formatter):
    """str.format, with numbers written as the language writes them (1,500.00 / 1.500,00 where the
    template asks for grouping, else 1500.00 / 1500,00) and nested messages in the same language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message):
            return value.render(self.language)
        if isinstance(value, tuple):
            return "; ".join(item.render(self.language) for item in value)
        text = str(format(value, format_spec))
        if self.language is Language.PT_BR and isinstance(value, int | Decimal) and not isinstance(value, bool):
            return text.translate(_PT_NUMBER)
        return text


_PT_NUMBER = str.maketrans({",": ".", ".": ","})


# key -> (English, Brazilian Portuguese). A code's own key is its general text; `CODE.variant` says more.
CATALOG: dict[str, tuple[str, str]] = {
    VERBATIM: ("{text}", "{text}"),
    # --- accounts (AccountErrorCode; import rows share these codes) ------------------------------
    "REQUIRED": ("This field is required.", "Este campo é obrigatório."),
    "REQUIRED.email": ("Email is required.", "O e-mail é obrigatório."),
    "REQUIRED.document": (
        "Document is required with a document type.",
        "O documento é obrigatório quando há um tipo de documento.",
    ),
    "REQUIRED.documentType": (
        "Document type is required with a document.",
        "O tipo de documento é obrigatório quando há um documento.",
    ),
    "REQUIRED.invoiceId": (
        "The Invoice Id is required: it names the invoice to change.",
        "A Fatura é obrigatória: ela indica qual fatura alterar.",
    ),
    "REQUIRED.updateKey": (
        "An update row needs an Id or an Email.",
        "Uma linha de atualização precisa de Id ou E-mail.",
    ),
    "INVALID_ID": (
        "Id must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'.",
        "O Id deve ter de 1 a 64 caracteres entre A-Z, a-z, 0-9, '_' e '-'.",
    ),
    "INVALID_EMAIL": ("Email is not valid.", "E-mail inválido."),
    # The validator's reason is in English only: the Portuguese text says what to check instead.
    "INVALID_EMAIL.reason": (
        "Email is not valid: {reason}",
        "E-mail inválido: confira se ele tem um @ e um domínio, como nome@exemplo.com.br.",
    ),
    "INVALID_DOCUMENT": ("The document is not valid.", "Documento inválido."),
    "INVALID_DOCUMENT.CPF": (
        "CPF must have 11 digits with valid check digits.",
        "O CPF deve ter 11 dígitos, com dígitos verificadores válidos.",
    ),
    "INVALID_DOCUMENT.CNPJ": (
        "CNPJ must have 14 characters with valid check digits.",
        "O CNPJ deve ter 14 caracteres, com dígitos verificadores válidos.",
    ),
    "INVALID_DOCUMENT.OTHER": (
        "Document must be 1 to 32 letters or digits.",
        "O documento deve ter de 1 a 32 letras ou dígitos.",
    ),
    "INVALID_DOCUMENT_TYPE": (
        "Document type must be CPF, CNPJ or OTHER.",
        "O tipo de documento deve ser CPF, CNPJ ou OTHER.",
    ),
    "INVALID_DOCUMENT_TYPE.cell": (
        '"{value}" is not a document type; write CPF, CNPJ or Other',
        '"{value}" não é um tipo de documento; escreva CPF, CNPJ ou Outro',
    ),
    "INVALID_CREDIT_LIMIT": (
        "Credit limit must be between 0 and 1000000000.00 with at most 2 decimal places.",
        "O limite de crédito deve estar entre 0 e 1.000.000.000,00, com no máximo 2 casas decimais.",
    ),
    "INVALID_TOLERANCE": (
        "Tolerance must be between 0 and 1 with at most 4 decimal places.",
        "A tolerância deve estar entre 0 e 1, com no máximo 4 casas decimais.",
    ),
    "INVALID_DESCRIPTION": ("The description is not valid.", "Descrição inválida."),
    "INVALID_DESCRIPTION.unicode": (
        "Description must be valid Unicode text.",
        "A descrição deve ser texto Unicode válido.",
    ),
    "INVALID_DESCRIPTION.length": (
        "Description must be at most {max} characters.",
        "A descrição deve ter no máximo {max} caracteres.",
    ),
    "EMAIL_IN_USE": ("The email is used by another open account.", "O e-mail já é usado por outra conta aberta."),
    "EMAIL_IN_USE.column": ("{column} is already used by another account.", "{column} já é usado por outra conta."),
    "DOCUMENT_IN_USE": (
        "The document is used by another open account.",
        "O documento já é usado por outra conta aberta.",
    ),
    "DOCUMENT_IN_USE.column": ("{column} is already used by another account.", "{column} já é usado por outra conta."),
    "EMAIL_IN_USE.ownHolder": (
        "The email is one of this account's holder emails.",
        "O e-mail é um dos e-mails de titulares adicionais desta conta.",
    ),
    "EMAIL_IN_USE.ownEmail": ("The email is this account's own email.", "O e-mail é o próprio e-mail desta conta."),
    "TOO_MANY_HOLDERS": (
        "An account has at most {max} holder emails.",
        "Uma conta tem no máximo {max} e-mails de titulares adicionais.",
    ),
    "ACCOUNT_CLOSED": ("The account is closed.", "A conta está fechada."),
    "ACCOUNT_CLOSED.change": ("A closed account cannot be changed.", "Uma conta fechada não pode ser alterada."),
    "ACCOUNT_CLOSED.already": ("The account is already closed.", "A conta já está fechada."),
    "ACCOUNT_CLOSED.opensOpen": ("A new account opens as Open.", "Uma conta nova é aberta com status Aberta."),
    "NOT_FOUND": ("Not found.", "Não encontrado."),
    "NOT_FOUND.holder": ("The account has no such holder.", "A conta não tem este titular adicional."),
    "NOT_FOUND.account": ("No account has the id {id}.", "Nenhuma conta tem o id {id}."),
    "NOT_FOUND.transaction": ("No transaction has the id {id}.", "Nenhuma transação tem o id {id}."),
    "NOT_FOUND.invoice": ("No invoice has the id {id}.", "Nenhuma fatura tem o id {id}."),
    "NOT_FOUND.importRun": ("No import run has the id {id}.", "Nenhuma importação tem o id {id}."),
    "NOT_FOUND.importRunAny": ("No import run has this id.", "Nenhuma importação tem este id."),
    "NOT_FOUND.match": ("No account matches {key}.", "Nenhuma conta corresponde a {key}."),
    "NOT_FOUND.disappeared": (
        "The account disappeared during the import.",
        "A conta deixou de existir durante a importação.",
    ),
    "NOT_FOUND.accountTransaction": (
        "Account {account} has no transaction with the id {id}.",
        "A conta {account} não tem transação com o id {id}.",
    ),
    "NOT_FOUND.accountInvoice": (
        "Account {account} has no invoice with the id {id}.",
        "A conta {account} não tem fatura com o id {id}.",
    ),
    "NOT_FOUND.address": ("There is nothing at this address.", "Não há nada neste endereço."),
    "VERSION_CONFLICT": (
        "The account was changed meanwhile; read it again and retry.",
        "A conta foi alterada nesse meio-tempo; leia-a de novo e tente outra vez.",
    ),
    "VERSION_CONFLICT.expected": (
        "Expected version {expected}, but the account is at version {stored}.",
        "A conta foi alterada nesse meio-tempo: a versão esperada era {expected}, mas ela está na versão {stored}.",
    ),
    "VERSION_CONFLICT.busy": (
        "The account changed {attempts} times while this change was being applied; try again.",
        "A conta mudou {attempts} vezes enquanto esta alteração era aplicada; tente de novo.",
    ),
    "VERSION_CONFLICT.import": (
        "The account kept changing during the import.",
        "A conta continuou mudando durante a importação.",
    ),
    "OPEN_BALANCE": (
        "The account has credit on hold or owes an amount; settle or cancel its holds and pay what is owed first.",
        "A conta tem crédito reservado ou um valor devido; liquide ou cancele as reservas e pague o que deve antes.",
    ),
    # --- import rows only (ImportRowErrorCode) -----------------------------------------------------
    "ACCOUNT_EXISTS": ("An account with this id already exists.", "Já existe uma conta com este id."),
    "ACCOUNT_EXISTS.id": ("An account with the id {id} already exists.", "Já existe uma conta com o id {id}."),
    "ACCOUNT_EXISTS.column": ("{column} is already used by another account.", "{column} já é usado por outra conta."),
    "UNIQUE.taken": (
        "A unique field is already used by another account.",
        "Um campo único já é usado por outra conta.",
    ),
    "DUPLICATE_IN_FILE": (
        "An earlier row of this file has the same value.",
        "Uma linha anterior deste arquivo tem o mesmo valor.",
    ),
    "DUPLICATE_IN_FILE.column": (
        "An earlier row of this file has the same {column}.",
        "Uma linha anterior deste arquivo tem o mesmo valor em {column}.",
    ),
    "INVALID_STATUS": ("The status is not valid.", "Status inválido."),
    "INVALID_STATUS.cell": (
        '"{value}" is not a status; write Open or Closed (Aberta or Fechada)',
        '"{value}" não é um status; escreva Aberta ou Fechada (Open ou Closed)',
    ),
    "INVALID_STATUS.invoiceCell": (
        '"{value}" is not an invoice status; write Paid or Cancelled (Paga or Cancelada)',
        '"{value}" não é uma situação de fatura; escreva Paga ou Cancelada (Paid ou Cancelled)',
    ),
    "INVALID_STATUS.reopen": (
        "An invoice that is {status} cannot be made Open again.",
        "Uma fatura {status} não pode voltar a ficar em aberto.",
    ),
    "INVALID_STATUS.create": (
        "A new account opens as Open; close it with an Update import.",
        "Uma conta nova é aberta com status Aberta; feche-a com uma importação do tipo Atualizar.",
    ),
    "MALFORMED_ROW": ("The row does not match the header.", "A linha não corresponde ao cabeçalho."),
    "MALFORMED_ROW.cells": (
        "The row has {cells} cells; the header has {width}.",
        "A linha tem {cells} células; o cabeçalho tem {width}.",
    ),
    # --- a number in a CSV cell (the row's code is the column's INVALID_*) --------------------------
    "NUMBER.required": ("A number is required", "Um número é obrigatório"),
    "NUMBER.tooLong": ("The number is too long", "O número é longo demais"),
    "NUMBER.notAmount": (
        '"{value}" is not a number; write it like 1500, 1500.50 or 1.500,50',
        '"{value}" não é um número; escreva como 1500, 1500,50 ou 1.500,50',
    ),
    "NUMBER.notFraction": (
        '"{value}" is not a number; write it like 0.05 or 5%',
        '"{value}" não é um número; escreva como 0,05 ou 5%',
    ),
    "NUMBER.groups": (
        '"{value}" is not a number: the groups between "{mark}" must have 3 digits',
        '"{value}" não é um número: os grupos entre "{mark}" devem ter 3 dígitos',
    ),
    "NUMBER.repeatedMark": (
        '"{value}" is not a number: "{mark}" appears more than once',
        '"{value}" não é um número: "{mark}" aparece mais de uma vez',
    ),
    "NUMBER.ambiguous": (
        '"{value}" is ambiguous: it could be {whole} or {fraction:f}. Write whole numbers without a thousands '
        "separator (1500) and decimals with their decimal part (1500.00 or 1.5)",
        '"{value}" é ambíguo: pode ser {whole} ou {fraction:f}. Escreva números inteiros sem separador de milhar '
        "(1500) e decimais com a parte decimal (1500,00 ou 1,5)",
    ),
    "NUMBER.groupsThenMark": (
        '"{value}" is not a number: the groups between "{group}" must have 3 digits, and "{mark}" must come last',
        '"{value}" não é um número: os grupos entre "{group}" devem ter 3 dígitos, e "{mark}" deve vir por último',
    ),
    # --- credit (CreditErrorCode) -------------------------------------------------------------------
    "INVALID_AMOUNT": (
        "Amount must be greater than 0 and at most 1000000000.00, with at most 2 decimal places.",
        "O valor deve ser maior que 0 e no máximo 1.000.000.000,00, com no máximo 2 casas decimais.",
    ),
    "INVALID_AMOUNT.adjustment": (
        "Amount must not be 0, at most 1000000000.00 either way, with at most 2 decimal places.",
        "O valor não pode ser 0 e deve ser no máximo 1.000.000.000,00 para mais ou para menos, "
        "com no máximo 2 casas decimais.",
    ),
    "INVALID_AMOUNT.perInstallment": (
        "The amount must be at least 0.01 for each of the {installments} installments.",
        "O valor deve ser de pelo menos 0,01 para cada uma das {installments} parcelas.",
    ),
    "INVALID_INSTALLMENTS": (
        "Installments must be between 1 and {max}.",
        "O número de parcelas deve estar entre 1 e {max}.",
    ),
    "INVALID_INSTALLMENTS.cents": (
        "Each installment must be at least 0.01: there are more installments than cents.",
        "Cada parcela deve ser de pelo menos 0,01: há mais parcelas do que centavos.",
    ),
    "INVALID_EXPIRY": (
        "expiresAt must be in the future and at most 30 days ahead.",
        "expiresAt deve estar no futuro e no máximo 30 dias à frente.",
    ),
    "INSUFFICIENT_CREDIT": (
        "The amount {amount} is more than the available credit {available}.",
        "O valor {amount} é maior que o crédito disponível, {available}.",
    ),
    "TRANSACTION_NOT_AUTHORIZED": (
        "Only an AUTHORIZED transaction can be {action}; this one is {status}.",
        "Só uma transação AUTHORIZED pode ser {action}; esta está {status}.",
    ),
    "TRANSACTION_EXPIRED": ("The authorization has expired.", "A autorização expirou."),
    "TRANSACTION_EXPIRED.nothingHeld": (
        "The authorization has expired; nothing is held.",
        "A autorização expirou; nada está reservado.",
    ),
    "AMOUNT_EXCEEDS_AUTHORIZATION": (
        "The amount is more than the authorized {authorized}.",
        "O valor é maior que o autorizado, {authorized}.",
    ),
    "AMOUNT_EXCEEDS_REFUNDABLE": (
        "The amount is more than the {refundable} still refundable.",
        "O valor é maior que os {refundable} ainda reembolsáveis.",
    ),
    "AMOUNT_EXCEEDS_REFUNDABLE.notSettled": (
        "Only a SETTLED transaction can be refunded; this one is {status}, so nothing is refundable.",
        "Só uma transação SETTLED pode ser reembolsada; esta está {status}, então nada é reembolsável.",
    ),
    "INVOICE_NOT_OPEN": (
        "Only an OPEN invoice can be {action}; this one is {status}.",
        "Só uma fatura OPEN pode ser {action}; esta está {status}.",
    ),
    "INVOICE_PAID": (
        "A paid invoice cannot be cancelled; refund the transaction.",
        "Uma fatura paga não pode ser cancelada; reembolse a transação.",
    ),
    "POSTPONEMENT_DISABLED": (
        "The store does not allow postponing invoices.",
        "A loja não permite adiar faturas.",
    ),
    "INVALID_POSTPONEMENT": ("Days must be at least 1.", "Os dias devem ser pelo menos 1."),
    "INVALID_POSTPONEMENT.total": (
        "An invoice can be postponed by at most {max} days in total; {left} are left.",
        "Uma fatura pode ser adiada por no máximo {max} dias no total; restam {left}.",
    ),
    "INVALID_NOTE": ("Note must be 1 to {max} characters.", "A nota deve ter de 1 a {max} caracteres."),
    "INVALID_NOTE.unicode": ("Note must be valid Unicode text.", "A nota deve ser texto Unicode válido."),
    "INVALID_SETTING": (
        "{field} must be a whole number from {lowest} to {highest}.",
        "{field} deve ser um número inteiro de {lowest} a {highest}.",
    ),
    "INVALID_SETTING.flag": ("{field} must be true or false.", "{field} deve ser true ou false."),
    "IDEMPOTENCY_KEY_REUSED": (
        "This idempotencyKey was already used with a different input.",
        "Esta idempotencyKey já foi usada com outros dados.",
    ),
    "INVALID_IDEMPOTENCY_KEY": (
        "idempotencyKey must be 1 to {max} printable ASCII characters.",
        "idempotencyKey deve ter de 1 a {max} caracteres ASCII imprimíveis.",
    ),
    # The verbs and statuses the credit texts above take as parameters.
    "ACTION.cancelled": ("cancelled", "cancelada"),
    "ACTION.settled": ("settled", "liquidada"),
    "ACTION.paid": ("paid", "paga"),
    "ACTION.postponed": ("postponed", "adiada"),
    # --- a whole file refused by an import (ImportCsvErrorCode) -------------------------------------
    "EMPTY_FILE": (
        "The file is empty: it has no header row and no data.",
        "O arquivo está vazio: não tem linha de cabeçalho nem dados.",
    ),
    "EMPTY_FILE.onlyExamples": (
        "The file has only example rows (rows whose Id starts with # are skipped): there is nothing to import. "
        "Write your accounts below the example row, one per row.",
        "O arquivo só tem linhas de exemplo (linhas cujo Id começa com # são ignoradas): não há nada para importar. "
        "Escreva suas contas abaixo da linha de exemplo, uma por linha.",
    ),
    "EMPTY_FILE.noData": (
        "The file has a header row but no data rows: there is nothing to import.",
        "O arquivo tem a linha de cabeçalho, mas nenhuma linha de dados: não há nada para importar.",
    ),
    "NOT_CSV": ("The file is not CSV text.", "O arquivo não é um texto CSV."),
    "NOT_CSV.notUpload": (
        "`file` must be an uploaded file, sent as a multipart request (the GraphQL multipart request spec), "
        "not a value in the JSON variables.",
        "`file` deve ser um arquivo enviado numa requisição multipart (a especificação GraphQL multipart request), "
        "não um valor nas variáveis JSON.",
    ),
    "NOT_CSV.unclosed": (
        'Row {row}: a quoted field is never closed (a closing " is missing).',
        'Linha {row}: um campo entre aspas nunca é fechado (falta um " de fechamento).',
    ),
    "NOT_CSV.unreadable": (
        "Row {row} cannot be read as CSV: {reason}.",
        "A linha {row} não pode ser lida como CSV: {reason}.",
    ),
    "NOT_CSV.tooLong": (
        "Row {row} is longer than {max:,} characters.",
        "A linha {row} tem mais de {max:,} caracteres.",
    ),
    "NOT_CSV.tooLongOpen": (
        'Row {row} is longer than {max:,} characters (is a closing " missing?).',
        'A linha {row} tem mais de {max:,} caracteres (falta um " de fechamento?).',
    ),
    "NOT_CSV.unclosedWithin": (
        'Row {row}: a quoted field is not closed within {max:,} characters (is a closing " missing?).',
        'Linha {row}: um campo entre aspas não é fechado em {max:,} caracteres (falta um " de fechamento?).',
    ),
    "NOT_CSV.nul": (
        "The file holds binary data (a NUL byte at byte offset {offset} (line {line})), not CSV text. "
        "If it is a spreadsheet, save it as CSV UTF-8 and upload that.",
        "O arquivo contém dados binários (um byte NUL na posição {offset}, linha {line}), não texto CSV. "
        "Se for uma planilha, salve-a como CSV UTF-8 e envie esse arquivo.",
    ),
    "NOT_CSV.control": (
        "The file holds a control character ({char}) at byte offset {offset} (line {line}); it is not CSV text. "
        "If it is a spreadsheet, save it as CSV UTF-8 and upload that.",
        "O arquivo contém um caractere de controle ({char}) na posição {offset} (linha {line}); não é texto CSV. "
        "Se for uma planilha, salve-a como CSV UTF-8 e envie esse arquivo.",
    ),
    "NOT_CSV.kind": (
        "The file is {kind}, not CSV text. Save it as CSV UTF-8 and upload that.",
        "O arquivo é {kind}, não texto CSV. Salve-o como CSV UTF-8 e envie esse arquivo.",
    ),
    "NOT_CSV.noHeader": (
        "The first row{shown} is not a header of this import: none of its cells is a known column. "
        "The first row must name the columns, like the template: {template}.",
        "A primeira linha{shown} não é um cabeçalho desta importação: nenhuma das células é uma coluna conhecida. "
        "A primeira linha deve dar nome às colunas, como no modelo: {template}.",
    ),
    "NOT_CSV.noHeaderWithin": (
        "No header row in the first {max:,} characters of the file.",
        "Não há linha de cabeçalho nos primeiros {max:,} caracteres do arquivo.",
    ),
    "ENCODING": ("The file's encoding is not accepted.", "A codificação do arquivo não é aceita."),
    "ENCODING.invalid": (
        "The file is not valid {encoding}: {what} at byte offset {offset}.",
        "O arquivo não é {encoding} válido: {what} na posição {offset}.",
    ),
    "ENCODING.badBom": (
        "The file starts with a UTF-8 byte-order mark but is not valid UTF-8: {what} at byte offset {offset} "
        "(line {line}). Save it again as CSV UTF-8.",
        "O arquivo começa com a marca de ordem de bytes do UTF-8, mas não é UTF-8 válido: {what} na posição "
        "{offset} (linha {line}). Salve-o de novo como CSV UTF-8.",
    ),
    "ENCODING.foreignBom": (
        "The file is encoded as {name} (it starts with a {name} byte-order mark at byte offset 0); "
        "only UTF-8 and Windows-1252 are accepted. Save it as CSV UTF-8.",
        "O arquivo está codificado como {name} (começa com a marca de ordem de bytes do {name}); "
        "só UTF-8 e Windows-1252 são aceitos. Salve-o como CSV UTF-8.",
    ),
    "BYTE.value": ("byte {value}", "o byte {value}"),
    "BYTE.cut": ("a character cut short at the end of the file", "um caractere cortado no fim do arquivo"),
    "TOO_LARGE": ("The file has {size} bytes; the limit is {max}.", "O arquivo tem {size} bytes; o limite é {max}."),
    "TOO_LARGE.body": ("The request body is over {limit} bytes.", "O corpo da requisição passa de {limit} bytes."),
    "TOO_MANY_ROWS": (
        "The file has more than {max:,} data rows; split it into smaller files.",
        "O arquivo tem mais de {max:,} linhas de dados; divida-o em arquivos menores.",
    ),
    "UNSUPPORTED_MODE": (
        "An invoice import only changes existing invoices: use mode UPDATE.",
        "Uma importação de faturas só altera faturas existentes: use o modo UPDATE.",
    ),
    "MISSING_REQUIRED_COLUMN": (
        "The required columns are missing from the header row: {names}.",
        "Faltam colunas obrigatórias na linha de cabeçalho: {names}.",
    ),
    "MISSING_REQUIRED_COLUMN.one": (
        "The required column is missing from the header row: {names}.",
        "Falta uma coluna obrigatória na linha de cabeçalho: {names}.",
    ),
    "MISSING_REQUIRED_COLUMN.update": (
        "An update file needs an Id or an Email column to find accounts.",
        "Um arquivo de atualização precisa de uma coluna Id ou E-mail para achar as contas.",
    ),
    "UNKNOWN_COLUMN": (
        "Unknown columns: {columns}. The accepted columns are {accepted} "
        "(Portuguese names such as Limite de Crédito also work).",
        "Colunas desconhecidas: {columns}. As colunas aceitas são {accepted} "
        "(nomes em português, como Limite de Crédito, também valem).",
    ),
    "UNKNOWN_COLUMN.one": (
        "Unknown column: {columns}. The accepted columns are {accepted} "
        "(Portuguese names such as Limite de Crédito also work).",
        "Coluna desconhecida: {columns}. As colunas aceitas são {accepted} "
        "(nomes em português, como Limite de Crédito, também valem).",
    ),
    "COLUMN.noHeader": ("column {column} has no header", "a coluna {column} não tem cabeçalho"),
    "COLUMN.unknown": ('"{header}" (column {column})', '"{header}" (coluna {column})'),
    "DUPLICATE_COLUMN": (
        "Duplicate column: {columns}. Keep only one of them.",
        "Coluna repetida: {columns}. Mantenha só uma.",
    ),
    "COLUMN.duplicate": (
        '"{first}" (column {first_column}) and "{second}" (column {second_column}) are both {label}',
        '"{first}" (coluna {first_column}) e "{second}" (coluna {second_column}) são ambas {label}',
    ),
    # --- whole requests (GraphQL top-level errors, REST) --------------------------------------------
    "DATABASE_UNAVAILABLE": (
        "The database is unavailable; try again shortly.",
        "O banco de dados está indisponível; tente de novo em instantes.",
    ),
    "INTERNAL_SERVER_ERROR": ("Internal server error.", "Erro interno do servidor."),
    "FORBIDDEN": ("This API key lacks the scope '{scope}'.", "Esta chave de API não tem o escopo '{scope}'."),
    "FORBIDDEN.noKey": ("No API key.", "Nenhuma chave de API."),
    "TRY_AGAIN": (
        "The account kept changing while this was applied; nothing was applied. Retry with the same key.",
        "A conta continuou mudando enquanto isto era aplicado; nada foi aplicado. Tente de novo com a mesma chave.",
    ),
    "TRY_AGAIN.rest": (
        "The account kept changing while this was applied; nothing was applied. "
        "Retry (with the same Idempotency-Key, if one was sent).",
        "A conta continuou mudando enquanto isto era aplicado; nada foi aplicado. "
        "Tente de novo (com a mesma Idempotency-Key, se uma foi enviada).",
    ),
    "INVALID_CURSOR": ("The cursor is not valid for this query.", "O cursor não vale para esta consulta."),
    "PAGE_SIZE": ("`first` must be between 0 and {max}.", "`first` deve estar entre 0 e {max}."),
    "BAD_COUNT_LIMIT": (
        "`count(limit:)` must be between 1 and {max:,}, or null (got {limit}).",
        "`count(limit:)` deve estar entre 1 e {max:,}, ou null (recebido {limit}).",
    ),
    "BAD_USER_INPUT": ("filter.{name} is not valid Unicode text.", "filter.{name} não é texto Unicode válido."),
    "TYPE.required": ("{name} is required.", "{name} é obrigatório."),
    "TYPE.string": ("{name} must be a string.", "{name} deve ser um texto (string)."),
    "TYPE.unicode": ("{name} must be valid Unicode text.", "{name} deve ser texto Unicode válido."),
    "TYPE.number": ("{name} must be a JSON number.", "{name} deve ser um número JSON."),
    "TYPE.integer": ("{name} must be an integer.", "{name} deve ser um número inteiro."),
    "TYPE.holderClaims": (
        '{name} must be an object with one member, "email".',
        '{name} deve ser um objeto com um único membro, "email".',
    ),
    "TYPE.dateTime": (
        "{name} must be an ISO-8601 date-time with a time zone, such as 2026-05-01T12:00:00Z.",
        "{name} deve ser uma data e hora ISO-8601 com fuso horário, como 2026-05-01T12:00:00Z.",
    ),
    "MALFORMED_JSON": ("The request body is not valid JSON.", "O corpo da requisição não é um JSON válido."),
    "MALFORMED_JSON.object": (
        "The request body must be a JSON object.",
        "O corpo da requisição deve ser um objeto JSON.",
    ),
    "UNKNOWN_MEMBER": ("{name} is not a member of this request.", "{name} não é um membro desta requisição."),
    "METHOD_NOT_ALLOWED": ("{method} is not allowed here.", "{method} não é permitido aqui."),
    "INVALID_PARAMETER": ("The parameter {name} is not valid.", "O parâmetro {name} não é válido."),
    "INVALID_PARAMETER.oneOf": ("{name} must be one of {values}.", "{name} deve ser um destes: {values}."),
    "INVALID_PARAMETER.position": (
        "{name} must be a whole number from 1 (positions are 1-based).",
        "{name} deve ser um número inteiro a partir de 1 (as posições começam em 1).",
    ),
    "INVALID_PARAMETER.status": ("status must be Open or Closed.", "status deve ser Open ou Closed."),
    "INVALID_PARAMETER.fromTooDeep": (
        "from must be at most {max}; for deeper lists use the GraphQL accounts connection or GET /accounts/export.csv.",
        "from deve ser no máximo {max}; para listas mais longas, use a conexão accounts do GraphQL "
        "ou GET /accounts/export.csv.",
    ),
    "INVALID_PARAMETER.toBeforeFrom": ("to must not be less than from.", "to não pode ser menor que from."),
    "INVALID_PARAMETER.window": (
        "At most {max} accounts per call: to - from + 1 must be at most {max}.",
        "No máximo {max} contas por chamada: to - from + 1 deve ser no máximo {max}.",
    ),
    "INVALID_PARAMETER.countLimit": (
        "countLimit must be a whole number from 1 to {max}.",
        "countLimit deve ser um número inteiro de 1 a {max}.",
    ),
    "INVALID_PARAMETER.limit": (
        "limit must be a whole number from 1 to {max}.",
        "limit deve ser um número inteiro de 1 a {max}.",
    ),
    "INVALID_PARAMETER.after": (
        "after is not a position of this list (use its paging.next).",
        "after não é uma posição desta lista (use o paging.next dela).",
    ),
    "INVALID_PARAMETER.moment": (
        "{name} must be an ISO-8601 date-time with a time zone (2026-05-01T00:00:00Z).",
        "{name} deve ser uma data e hora ISO-8601 com fuso horário (2026-05-01T00:00:00Z).",
    ),
    "INVALID_PARAMETER.day": (
        "{name} must be an ISO-8601 date (2026-05-01).",
        "{name} deve ser uma data ISO-8601 (2026-05-01).",
    ),
    "INVALID_PARAMETER.dueRange": ("dueTo must not be before dueFrom.", "dueTo não pode ser anterior a dueFrom."),
    "INVALID_PARAMETER.boolean": ("{name} must be true or false.", "{name} deve ser true ou false."),
    "INVALID_PARAMETER.dayRange": ("to must not be before from.", "to não pode ser anterior a from."),
    "INVALID_PARAMETER.accountId": (
        "creditAccountId is not a valid account id.",
        "creditAccountId não é um id de conta válido.",
    ),
}
