"""Helpers for testing demo seeders: which apps' tables a seeder wrote to."""

from django.apps import apps


def row_counts() -> dict[str, int]:
    """Rows per model of every installed app, keyed by ``app_label.Model``."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def changed_apps(before: dict[str, int]) -> set[str]:
    """The app labels whose row counts differ from ``before``."""
    after = row_counts()
    return {label.split(".")[0] for label, count in after.items() if before.get(label) != count}
