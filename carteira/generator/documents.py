"""Brazilian documents (CPF/CNPJ) and phone numbers, in the many formats sources use.

The warehouse links the same person across systems only by document number, and
calls to clients only by normalised phone number, so the generator must produce
valid check digits, varied spellings, and a controlled share of invalid values.
"""

from __future__ import annotations

import random


def _cpf_check(digits: list[int]) -> list[int]:
    for n in (9, 10):
        total = sum(d * w for d, w in zip(digits[:n], range(n + 1, 1, -1), strict=True))
        r = total % 11
        digits.append(0 if r < 2 else 11 - r)
    return digits


def _cnpj_check(digits: list[int]) -> list[int]:
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    for w in (w1, [6, *w1]):
        total = sum(d * x for d, x in zip(digits, w, strict=False))
        r = total % 11
        digits.append(0 if r < 2 else 11 - r)
    return digits


def cpf(base: int) -> str:
    """11-digit CPF with valid check digits from a 9-digit base number."""
    digits = [int(c) for c in f"{base % 1_000_000_000:09d}"]
    return "".join(map(str, _cpf_check(digits)))


def cnpj(base: int, branch: int = 1) -> str:
    """14-digit CNPJ with valid check digits from an 8-digit root and a branch number."""
    digits = [int(c) for c in f"{base % 100_000_000:08d}{branch:04d}"]
    return "".join(map(str, _cnpj_check(digits)))


def is_valid(doc: str) -> bool:
    """True when ``doc`` (digits only) is a CPF or CNPJ with valid check digits."""
    if not doc.isdigit():
        return False
    if len(doc) == 11:
        return cpf(int(doc[:9])) == doc
    if len(doc) == 14:
        return cnpj(int(doc[:8]), int(doc[8:12])) == doc
    return False


def format_document(doc: str, style: int) -> str:
    """Spell a document: 0 digits only, 1 punctuated (``123.456.789-09``, CNPJ with ``/``)."""
    if style == 0:
        return doc
    if len(doc) == 11:
        return f"{doc[:3]}.{doc[3:6]}.{doc[6:9]}-{doc[9:]}"
    return f"{doc[:2]}.{doc[2:5]}.{doc[5:8]}/{doc[8:12]}-{doc[12:]}"


def corrupt_document(doc: str, kind: int) -> str:
    """An invalid spelling: 0 wrong check digit, 1 wrong length (digit dropped)."""
    if kind == 0:
        last = (int(doc[-1]) + 1) % 10
        return doc[:-1] + str(last)
    return doc[:-1]


def mobile_number(rnd: random.Random, area: str) -> str:
    """National number, 11 digits: area code + 9 + 8 digits."""
    return f"{area}9{rnd.randint(1000, 9999)}{rnd.randint(0, 9999):04d}"


def format_phone(national: str, style: int) -> str:
    """Free-format spellings of an 11-digit national mobile number.

    0 ``(11) 98765-4321``, 1 ``+55 11 98765 4321``, 2 ``011987654321``, 3 ``11987654321``,
    4 ``98765-4321`` (no area code: matches nothing), 5 ``+5511987654321``.
    """
    area, sub = national[:2], national[2:]
    if style == 0:
        return f"({area}) {sub[:5]}-{sub[5:]}"
    if style == 1:
        return f"+55 {area} {sub[:5]} {sub[5:]}"
    if style == 2:
        return f"0{national}"
    if style == 3:
        return national
    if style == 4:
        return f"{sub[:5]}-{sub[5:]}"
    return f"+55{national}"


def normalise_phone(text: str) -> str | None:
    """The contract's normalisation (used by tests and to pick call spellings)."""
    digits = "".join(c for c in text if c.isdigit())
    if digits.startswith("55") and len(digits) - 2 in (10, 11):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = digits[1:]
    return digits if len(digits) >= 10 else None
