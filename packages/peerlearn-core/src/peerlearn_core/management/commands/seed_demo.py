from django.core.management.base import BaseCommand

from peerlearn_core.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo mentor and learners and every app's demo data. Idempotent."

    def handle(self, *args, **options):
        seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for email, name, role, _bio in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {email:<28} {name}")
