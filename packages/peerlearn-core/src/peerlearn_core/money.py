"""Money is integer paise inside, a two-place rupee string on the wire ("499.00")."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PAISE_PER_RUPEE = 100
CURRENCY = "INR"


def to_paise(rupees: Decimal | str | int) -> int:
    """Exact conversion; callers validate that there are at most two decimal places first."""
    try:
        value = Decimal(str(rupees))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {rupees!r}") from exc
    paise = value * PAISE_PER_RUPEE
    if paise != paise.to_integral_value():
        raise ValueError("amounts have at most two decimal places")
    return int(paise)


def rupees(paise: int) -> str:
    """Wire format: ``12345`` → ``"123.45"``."""
    sign = "-" if paise < 0 else ""
    whole, part = divmod(abs(int(paise)), PAISE_PER_RUPEE)
    return f"{sign}{whole}.{part:02d}"


def display(paise: int) -> str:
    """What people read, in the en-IN grouping the pages use: ``12345678`` → ``"₹1,23,456.78"``."""
    sign = "-" if paise < 0 else ""
    whole, part = divmod(abs(int(paise)), PAISE_PER_RUPEE)
    digits = str(whole)
    # Indian grouping: the last three digits, then pairs (1,23,45,678).
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join([*groups, tail])
    return f"{sign}₹{grouped}.{part:02d}"


def percent_of(paise: int, percent: int) -> int:
    """``percent`` % of an amount, rounded half-up to the paisa (commission rule of the contract)."""
    exact = Decimal(paise) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
