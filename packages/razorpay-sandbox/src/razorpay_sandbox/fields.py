"""Request fields checked the way Razorpay checks them, and the shapes of its list responses."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError

# razorpay-api.md §6 (RZP-API app/Models/Vpa/Validator.php @a6d8302a) + length 3..100.
VPA_REGEX = re.compile(r"[-.a-zA-Z0-9][a-zA-Z0-9.-]*@[a-zA-Z]+(?:[0-9]*\.ifsc\.npci)?")
INVALID_VPA = "Invalid VPA. Please enter a valid Virtual Payment Address"


def is_valid_vpa(address: Any) -> bool:
    """razorpay-api.md §6: 3..100 chars and the server's VPA regex (no `_`, letters-only handle)."""
    return (
        isinstance(address, str) and 3 <= len(address) <= 100 and bool(VPA_REGEX.fullmatch(address))
    )


def label(field: str) -> str:
    return field.rsplit(".", 1)[-1].replace("_", " ")


def reject_extra(data: dict, allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise ApiError(
                f"{prefix}{key} is/are not required and should not be sent", field=f"{prefix}{key}"
            )


def required(data: dict, key: str, prefix: str = "") -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise ApiError(f"The {label(key)} field is required.", field=f"{prefix}{key}")
    return value


def opt_str(data: dict, key: str, max_len: int, prefix: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(f"The {label(key)} must be a string.", field=f"{prefix}{key}")
    if len(value) > max_len:
        raise ApiError(
            f"The {label(key)} may not be greater than {max_len} characters.",
            field=f"{prefix}{key}",
        )
    return value


def amount(data: dict) -> int:
    value = required(data, "amount")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError("The amount must be an integer.", field="amount")
    if value < 100:
        raise ApiError(
            "The amount must be at least INR 1.00", field="amount", step="payment_initiation"
        )
    return value


def currency(data: dict) -> str:
    value = required(data, "currency")
    if value != "INR":
        raise ApiError("Currency is not supported", field="currency")
    return value


def notes(data: dict, prefix: str = "") -> dict:
    value = data.get("notes")
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise ApiError("The notes must be an object of key-value pairs.", field=f"{prefix}notes")
    if len(value) > 15:
        raise ApiError("The notes may not have more than 15 items.", field=f"{prefix}notes")
    for key, item in value.items():
        if isinstance(item, dict | list) or item is None:
            raise ApiError(f"The notes.{key} must be a string.", field=f"{prefix}notes.{key}")
        if len(str(item)) > 256:
            raise ApiError(
                "The notes value may not be greater than 256 characters.",
                field=f"{prefix}notes.{key}",
            )
    return dict(value)


def boolean(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value in (0, 1) and not isinstance(value, bool):
        return bool(value)
    if not isinstance(value, bool):
        raise ApiError(f"The {label(key)} field must be true or false.", field=key)
    return value


def paging(query: dict) -> tuple[int, int]:
    try:
        count = int(query.get("count", 10))
        skip = int(query.get("skip", 0))
    except ValueError:
        raise ApiError("The count and skip must be integers.", field="count") from None
    if count < 1 or count > 100:
        raise ApiError("The count must be between 1 and 100.", field="count")
    if skip < 0:
        raise ApiError("The skip must be at least 0.", field="skip")
    return count, skip


def time_filter(query: dict, key: str) -> int | None:
    if key not in query:
        return None
    try:
        return int(query[key])
    except ValueError:
        raise ApiError(f"The {key} must be an integer.", field=key) from None


def collection(items: list[dict]) -> dict:
    return {"entity": "collection", "count": len(items), "items": items}


def page(items: list[dict], query: dict) -> dict:
    """``count``/``skip`` paging of an already filtered, newest-first list."""
    count, skip = paging(query)
    return collection(items[skip : skip + count])


def notes_out(value: dict) -> dict | list:
    # Razorpay's PHP API serialises empty notes on orders/payments as [] (a JSON array).
    return value if value else []
