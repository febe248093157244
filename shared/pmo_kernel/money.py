"""Money: a Decimal amount with an ISO 4217 currency code. Never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

# ISO 4217 active codes a PMO meets in practice; unknown codes are refused, not guessed.
ISO_4217 = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KES",
        "KRW",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RSD",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TND",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "XAF",
        "XOF",
        "ZAR",
    ]
)

Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]


def rates_in(base: str, rates: dict[str, Decimal]) -> dict[str, Decimal]:
    """An exchange-rate table (units of one currency for one unit of each key) re-expressed in
    `base`, which must be one of its keys: a table is never read in a currency it was not made
    for (that would compare, say, euros 1:1 with yen)."""
    pivot = rates.get(base)
    if pivot is None:
        raise ValueError(f"the exchange rates know no {base}: give them in {base} (its own rate 1)")
    return {code: rate / pivot for code, rate in rates.items()}


_CODES: list[JsonValue] = [*sorted(ISO_4217)]


class Money(BaseModel):
    """An amount of money. Serialised as {"amount": "250000.00", "currency": "EUR"}."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Amount
    # The codes known, upper case, listed in the document: any other is refused (422).
    currency: str = Field(min_length=3, max_length=3, json_schema_extra={"enum": _CODES})

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.upper()
        if code not in ISO_4217:
            raise ValueError(f"unknown currency code {value!r} (ISO 4217 expected)")
        return code

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            # Floats carry binary rounding error: money must arrive as a string or an integer.
            return Decimal(repr(value))
        return value

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = "EUR") -> Money:
        return cls(amount=Decimal(amount), currency=currency)

    def exceeds(self, other: Money) -> bool:
        """Strictly greater than `other`; comparing different currencies is a programming error."""
        if self.currency != other.currency:
            raise ValueError(f"cannot compare {self.currency} with {other.currency}")
        return self.amount > other.amount

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
