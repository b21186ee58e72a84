"""Small shims so the reusable apps run on Django 4.2 LTS as well as 5.x."""

import django
from django.db import models


def check_constraint(condition, name: str) -> models.CheckConstraint:
    # Django 5.1 renamed CheckConstraint(check=...) to condition=...; 6.0 drops the old name.
    keyword = "condition" if django.VERSION >= (5, 1) else "check"
    return models.CheckConstraint(**{keyword: condition, "name": name})
