"""The team's currency: which ISO 4217 codes it may be, and how amounts are shown.

A short list of the currencies real-estate teams work in rather than all of
ISO 4217: each needs a symbol people recognise, and the settings select stays
readable. Every code here is an ISO 4217 code; `validation.currency_problem`
is the one check. Amounts are stored as they are entered (no conversion).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

# code -> (symbol, name). A symbol shared by several currencies ($) is
# prefixed by the country letters where the team could mistake it.
CURRENCIES: dict[str, tuple[str, str]] = {
    "USD": ("$", "US dollar"),
    "CAD": ("CA$", "Canadian dollar"),
    "MXN": ("MX$", "Mexican peso"),
    "EUR": ("€", "Euro"),
    "GBP": ("£", "Pound sterling"),
    "CHF": ("CHF ", "Swiss franc"),
    "AUD": ("A$", "Australian dollar"),
    "NZD": ("NZ$", "New Zealand dollar"),
    "JPY": ("¥", "Japanese yen"),
    "CNY": ("CN¥", "Chinese yuan"),
    "INR": ("₹", "Indian rupee"),
    "SGD": ("S$", "Singapore dollar"),
    "HKD": ("HK$", "Hong Kong dollar"),
    "ZAR": ("R ", "South African rand"),
    "BRL": ("R$", "Brazilian real"),
    "SEK": ("SEK ", "Swedish krona"),
    "NOK": ("NOK ", "Norwegian krone"),
    "DKK": ("DKK ", "Danish krone"),
    "PLN": ("zł ", "Polish złoty"),
    "AED": ("AED ", "UAE dirham"),
    "ILS": ("₪", "Israeli new shekel"),
    "PHP": ("₱", "Philippine peso"),
}


def symbol(code: str | None) -> str:
    """'$' for USD; a code not in the list (an old row) is written before the amount."""
    if code in CURRENCIES:
        return CURRENCIES[code][0]
    return f"{code} " if code else "$"


def choices() -> list[tuple[str, str]]:
    """The settings select: 'USD — US dollar ($)', in the list's order."""
    return [
        (code, f"{code} — {name} ({sign.strip()})") for code, (sign, name) in CURRENCIES.items()
    ]


def format_amount(
    value: Decimal | int | float | None, code: str | None, cents: bool = False
) -> str:
    """'$1,234' (or '$1,234.50' with `cents`); a negative amount as '−$60'.

    Half a unit rounds up, as people round money ($62.50 is $63, like $63.50 is
    $64; Python's own formatting would round to the even one); an amount that
    rounds to nothing has no sign."""
    if value is None:
        return ""
    value = Decimal(str(value))
    with localcontext() as context:  # enough digits to round any amount, however large
        context.prec = max(28, value.adjusted() + 4)
        shown = value.quantize(Decimal("0.01") if cents else Decimal(1), ROUND_HALF_UP)
    sign = "−" if shown < 0 else ""
    digits = f"{abs(shown):,.2f}" if cents else f"{abs(shown):,.0f}"  # rounded already
    return f"{sign}{symbol(code)}{digits}"
