"""The one Decimal context normkit computes in.

It is passed explicitly (``CTX.multiply(a, b)``) instead of installed as the thread's
current context, so normkit never mutates global state and quotes computed on several
threads at once agree digit for digit.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

# 34 significant digits (IEEE decimal128) is far beyond any VND amount; exponents are bounded
# so that 10**30 VND still computes but a runaway value overflows with an error.
CTX = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=60, Emin=-60,
              traps=[InvalidOperation, DivisionByZero, Overflow, Clamped])

MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "half_down": ROUND_HALF_DOWN,
    "up": ROUND_UP,
    "down": ROUND_DOWN,
    "ceiling": ROUND_CEILING,
    "floor": ROUND_FLOOR,
}

ONE = Decimal(1)
ZERO = Decimal(0)


def round_to(value: Decimal, quantum: Decimal, mode: str) -> Decimal:
    """Round ``value`` to a multiple of ``quantum`` (1 đồng, 1000 đồng, 0.01 …) with ``mode``."""
    if quantum == ONE:
        return value.quantize(ONE, rounding=MODES[mode], context=CTX)
    steps = CTX.divide(value, quantum).quantize(ONE, rounding=MODES[mode], context=CTX)
    result = CTX.multiply(steps, quantum)
    # keep the quantum's exponent so 1000-đồng rounding prints as 1234000, not 1.234E+6
    exponent = quantum.as_tuple().exponent
    return result.quantize(quantum if isinstance(exponent, int) and exponent <= 0 else ONE, context=CTX)
