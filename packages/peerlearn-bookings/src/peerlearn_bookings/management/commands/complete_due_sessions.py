from django.core.management.base import BaseCommand

from peerlearn_bookings.services import complete_due_sessions


class Command(BaseCommand):
    help = "Complete every open session whose end time (start + duration) has passed."

    def handle(self, *args, **options):
        done = complete_due_sessions()
        self.stdout.write(f"completed {len(done)} session(s)" + (f": {done}" if done else ""))
