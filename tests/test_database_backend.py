import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_database_it_was_asked_for():
    """Guards the two-database run: the PostgreSQL pass must really talk to PostgreSQL."""
    expected = os.environ.get("EXPECT_DB_VENDOR") or (
        "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    )
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
