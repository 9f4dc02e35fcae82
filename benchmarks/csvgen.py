"""Deterministic CSV files of valid accounts for the import benchmarks.

Every row is valid for a CREATE import: a unique email, a unique CPF or CNPJ with
correct check digits (computed here, checked against python-stdnum in `self_check`),
a credit limit, a tolerance and a description. Values are written the way people
type them: documents with and without punctuation, amounts as `1500.00` or
`1.500,50`, tolerances as `0.05` or `5%`, a description with a comma now and then
(so the file has quoted fields, as spreadsheets write them).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HEADER = ["Email", "Document", "Document Type", "Credit Limit", "Tolerance", "Description"]

_FIRST = [
    "ana",
    "bruno",
    "carla",
    "diego",
    "elisa",
    "fabio",
    "gabriela",
    "heitor",
    "iara",
    "joao",
    "karina",
    "lucas",
    "marina",
    "nuno",
    "olivia",
    "paulo",
    "quiteria",
    "rafael",
    "sofia",
    "tiago",
]
_LAST = ["silva", "souza", "oliveira", "santos", "pereira", "lima", "costa", "ferreira", "almeida", "ribeiro"]
_DOMAINS = ["example.com", "example.com.br", "loja.example.org", "mail.example.net"]
_DESCRIPTIONS = [
    "Cliente desde 2019",
    "Limite revisado",
    "Conta corporativa",
    "Compras recorrentes",
    "",
    "Aprovado pelo financeiro",
    "Cliente VIP, atendimento prioritário",
    "Revisar em 2027, trimestral",
]

_CPF_W1 = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_CPF_W2 = (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def cpf_from(base: int) -> str:
    """The 11-digit CPF whose first nine digits are `base` (0 <= base < 10**9)."""
    digits = [int(c) for c in f"{base:09d}"]
    r = sum(d * w for d, w in zip(digits, _CPF_W1)) * 10 % 11
    digits.append(0 if r == 10 else r)
    r = sum(d * w for d, w in zip(digits, _CPF_W2)) * 10 % 11
    digits.append(0 if r == 10 else r)
    return "".join(map(str, digits))


def cnpj_from(base: int) -> str:
    """The 14-digit CNPJ whose first twelve digits are `base` (0 <= base < 10**12)."""
    digits = [int(c) for c in f"{base:012d}"]
    r = sum(d * w for d, w in zip(digits, _CNPJ_W1)) % 11
    digits.append(0 if r < 2 else 11 - r)
    r = sum(d * w for d, w in zip(digits, _CNPJ_W2)) % 11
    digits.append(0 if r < 2 else 11 - r)
    return "".join(map(str, digits))


def punctuate(document: str) -> str:
    if len(document) == 11:
        return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    return f"{document[:2]}.{document[2:5]}.{document[5:8]}/{document[8:12]}-{document[12:]}"


@dataclass(frozen=True, slots=True)
class Row:
    email: str
    document_type: str | None  # CPF | CNPJ | None
    document: str | None  # compact
    credit_limit_cents: int
    tolerance_units: int  # ten-thousandths
    description: str | None
    cells: tuple[str, ...]  # as written in the file


def rows(count: int, *, seed: int = 27017, tag: str = "b", start: int = 0) -> Iterator[Row]:
    """Rows numbered from `start`: files of the same seed and tag with disjoint numbers share no email
    and no document, so they can be imported one after the other into one store."""
    rng = random.Random(seed)
    # Strides coprime with 10**9 / 10**12 make the bases distinct for every i below the modulus.
    cpf_start, cnpj_start = rng.randrange(10**9), rng.randrange(10**12)
    for i in range(start, start + count):
        first, last, domain = rng.choice(_FIRST), rng.choice(_LAST), rng.choice(_DOMAINS)
        email = f"{first}.{last}.{tag}{i}@{domain}"
        kind = rng.random()
        document_type = document = None
        if kind < 0.70:
            candidate = cpf_from((cpf_start + i * 7919) % 10**9)
            if len(set(candidate)) > 1:
                document_type, document = "CPF", candidate
        elif kind < 0.95:
            document_type, document = "CNPJ", cnpj_from((cnpj_start + i * 104729) % 10**12)
        shown_document = (punctuate(document) if rng.random() < 0.5 else document) if document else ""
        cents = rng.randrange(0, 5_000_001)
        whole, fraction = divmod(cents, 100)
        style = rng.random()
        if style < 0.6:
            limit_text = f"{whole}.{fraction:02d}"
        elif style < 0.8 and whole >= 1000:
            limit_text = f"{whole // 1000}.{whole % 1000:03d},{fraction:02d}"  # pt-BR 1.500,50
        else:
            cents = whole * 100
            limit_text = str(whole)
        tolerance_units = rng.choice((0, 500, 1000, 250, 0))
        tolerance_text = (
            f"{tolerance_units // 100}%"
            if tolerance_units % 100 == 0 and rng.random() < 0.5
            else (f"{tolerance_units / 10000:.4f}".rstrip("0").rstrip(".") if tolerance_units else "0")
        )
        description = rng.choice(_DESCRIPTIONS)
        yield Row(
            email=email,
            document_type=document_type,
            document=document,
            credit_limit_cents=cents,
            tolerance_units=tolerance_units,
            description=description or None,
            cells=(email, shown_document, document_type or "", limit_text, tolerance_text, description),
        )


def write_csv(path: Path, count: int, *, seed: int = 27017, tag: str = "b", start: int = 0) -> int:
    """Write `count` data rows (plus the header); returns the file's size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(row.cells for row in rows(count, seed=seed, tag=tag, start=start))
    return path.stat().st_size


def self_check(sample: int = 2000) -> None:
    """The generator's documents are valid for python-stdnum (what the service uses)."""
    from stdnum.br import cnpj, cpf

    for row in rows(sample, seed=1, tag="check"):
        if row.document_type == "CPF":
            assert cpf.is_valid(row.document), row
        elif row.document_type == "CNPJ":
            assert cnpj.is_valid(row.document), row
