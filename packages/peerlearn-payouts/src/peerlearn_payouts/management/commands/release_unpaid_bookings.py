from django.core.management.base import BaseCommand

from peerlearn_payouts.services import release_expired_holds


class Command(BaseCommand):
    help = "Release the seats of priced bookings whose payment did not arrive within the hold time."

    def handle(self, *args, **options):
        released = release_expired_holds()
        self.stdout.write(f"released {len(released)} seat(s)")
