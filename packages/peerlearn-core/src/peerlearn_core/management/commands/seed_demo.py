from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from peerlearn_core.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo mentor and learners and every app's demo data. Idempotent. "
        "Refuses to run without DEBUG unless --allow-production-data is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production-data",
            action="store_true",
            help="Seed even though DEBUG is off (creates accounts with a known password).",
        )

    def handle(self, *args, allow_production_data=False, **options):
        if not settings.DEBUG and not allow_production_data:
            raise CommandError(
                "seed_demo creates demo accounts with a known password, so it only runs with "
                "DEBUG on. Pass --allow-production-data to seed this database anyway."
            )
        seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for email, name, role, _bio in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {email:<28} {name}")
