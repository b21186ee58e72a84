"""Small shims so the reusable apps run on Django 4.2 LTS as well as 5.x."""

import django
from django.db import DEFAULT_DB_ALIAS, connections, models


def check_constraint(condition, name: str) -> models.CheckConstraint:
    # Django 5.1 renamed CheckConstraint(check=...) to condition=...; 6.0 drops the old name.
    keyword = "condition" if django.VERSION >= (5, 1) else "check"
    return models.CheckConstraint(**{keyword: condition, "name": name})


def mark_invalid_fields(form) -> None:
    """The inputs of fields with errors get ``aria-invalid="true"`` and ``aria-describedby`` naming
    their error block (``<auto_id>_error``), as Django 5.2+ renders them itself (5.0 added the
    first); the error styling and screen readers key on them."""
    if django.VERSION >= (5, 2):
        return
    for name in form.errors:
        if name not in form.fields:
            continue
        bound, attrs = form[name], form.fields[name].widget.attrs
        if bound.is_hidden:
            continue
        attrs["aria-invalid"] = "true"
        if bound.auto_id and not bound.use_fieldset:
            described = [f"{bound.auto_id}_helptext"] if bound.help_text else []
            attrs.setdefault("aria-describedby", " ".join([*described, f"{bound.auto_id}_error"]))


# The reason tests of many simultaneous writers give when they skip on that stack (and only there).
NO_IMMEDIATE = (
    "SQLite under Django < 5.1 has no IMMEDIATE transactions: simultaneous writers fail with"
    " 'database is locked' instead of queueing (the READMEs' 'SQLite before Django 5.1')"
)


def sqlite_cannot_begin_immediate(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """SQLite under Django < 5.1: there is no ``OPTIONS["transaction_mode"]``, so every
    transaction begins DEFERRED and a transaction that reads before it writes fails at once with
    "database is locked" when another writer got in first (it cannot wait on the busy timeout).
    Code never depends on IMMEDIATE; tests of many simultaneous writers skip on this one stack."""
    return django.VERSION < (5, 1) and connections[alias].vendor == "sqlite"
