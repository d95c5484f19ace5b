"""Phone numbers: E.164 normalisation, hashing (R1, R3) and countries (R4).

Normalisation goes through ``phonenumbers`` (Google's libphonenumber), never
through string surgery, so ``090-1234-5678`` with region ``JP`` and
``+81 90 1234 5678`` both become ``+819012345678``.
"""

from __future__ import annotations

import hashlib
import re
from typing import TypeGuard

import phonenumbers

from .arguments import is_text, text
from . import decisions
from .errors import InvalidPhoneNumberError, MalformedHashError

#: Country calling codes whose numbers can receive LINE notification messages (R4).
ALLOWED_CALLING_CODES: dict[int, str] = {81: "JP", 66: "TH", 886: "TW"}

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_E164_RE = re.compile(r"\+[1-9][0-9]{1,14}")


def normalise(number: str, region: str = "JP") -> str:
    """Return the E.164 form of ``number``, reading national forms in ``region``.

    Raises :class:`InvalidPhoneNumberError` naming the input when the library
    cannot parse it, or (see :data:`flowsim.engine.decisions.NUMBER_MUST_BE_VALID`)
    when it is not a possible number for its country.
    """
    text(region, "region", optional=True)
    if not is_text(number) or not number.strip():
        raise InvalidPhoneNumberError(number, "expected a phone number such as +818000001234")
    try:
        parsed = phonenumbers.parse(number, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumberError(number, _parse_error_text(exc, region)) from None
    if decisions.NUMBER_MUST_BE_VALID == "possible" and not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumberError(number, "not a possible number (wrong length for its country)")
    if decisions.NUMBER_MUST_BE_VALID == "valid" and not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(number, "not a valid number for its country")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > 16:  # phonenumbers' "possible" lengths for JP reach 17 digits; E.164 allows 15
        raise InvalidPhoneNumberError(number, f"too long: {len(e164) - 1} digits, and E.164 allows at most 15")
    _CALLING_CODES[e164] = _country_code(parsed)
    return e164


def _parse_error_text(exc: phonenumbers.NumberParseException, region: str) -> str:
    kinds = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
            f"no country code, and none could be taken from the default region {region!r}"
        ),
        phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return kinds.get(exc.error_type, str(exc))


def is_e164(number: str) -> bool:
    """True when ``number`` is already written in E.164 (``+`` and digits only)."""
    return bool(_E164_RE.fullmatch(number))


def hash_number(e164: str) -> str:
    """The lowercase hex SHA-256 of an E.164 string: LINE's ``to`` (R1)."""
    if not is_text(e164):
        raise InvalidPhoneNumberError(e164, "expected an E.164 phone number as a string, such as +818000001234")
    return hashlib.sha256(e164.encode()).hexdigest()


def is_hash(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_HASH_RE.fullmatch(value))


def check_hash(value: object) -> str:
    """Return ``value`` if it is a well-formed destination hash, else raise :class:`MalformedHashError`."""
    if not is_hash(value):
        raise MalformedHashError(value)
    return value


#: Calling codes of numbers already parsed by :func:`normalise` (R4 asks on every arrival).
_CALLING_CODES: dict[str, int] = {}


def calling_code(e164: str) -> int:
    code = _CALLING_CODES.get(e164)
    if code is None:
        code = _CALLING_CODES[e164] = _country_code(phonenumbers.parse(e164, None))
    return code


def _country_code(parsed: phonenumbers.PhoneNumber) -> int:
    code = parsed.country_code
    assert code is not None, "phonenumbers.parse() sets the country code or raises"
    return code


def region_of(e164: str) -> str:
    """The ISO region of a normalised number (``JP``, ``TH``, ``US`` …), or ``ZZ`` if unknown."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or "ZZ"


def can_receive(e164: str | None) -> bool:
    """R4: only numbers issued in Japan, Thailand or Taiwan receive notification messages."""
    return e164 is not None and calling_code(e164) in ALLOWED_CALLING_CODES
