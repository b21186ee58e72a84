"""Small shims so the reusable apps run on Django 4.2 LTS as well as 5.x."""

import django
from django.db import DEFAULT_DB_ALIAS, connections, models


def check_constraint(condition, name: str) -> models.CheckConstraint:
    # Django 5.1 renamed CheckConstraint(check=...) to condition=...; 6.0 drops the old name.
    keyword = "condition" if django.VERSION >= (5, 1) else "check"
    return models.CheckConstraint(**{keyword: condition, "name": name})


def sqlite_cannot_begin_immediate(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """SQLite under Django < 5.1: there is no ``OPTIONS["transaction_mode"]``, so every
    transaction begins DEFERRED and a transaction that reads before it writes fails at once with
    "database is locked" when another writer got in first (it cannot wait on the busy timeout).
    Code never depends on IMMEDIATE; tests of many simultaneous writers skip on this one stack."""
    return django.VERSION < (5, 1) and connections[alias].vendor == "sqlite"
