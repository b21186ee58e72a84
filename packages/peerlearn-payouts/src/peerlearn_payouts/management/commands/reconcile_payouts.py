import time

from django.core.management.base import BaseCommand

from peerlearn_payouts.services import reconcile_payouts, release_expired_holds


class Command(BaseCommand):
    help = "Poll Razorpay for every payout that may still change and converge it (run from cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Keep running, once every N seconds (0: run once).",
        )
        parser.add_argument(
            "--release-holds",
            action="store_true",
            help="Also release seats of bookings whose payment never came.",
        )

    def handle(self, *args, every, release_holds, **options):
        while True:
            counts = reconcile_payouts()
            self.stdout.write(
                f"checked {counts['checked']}, changed {counts['changed']}, "
                f"errors {counts['errors']}"
            )
            if release_holds:
                released = release_expired_holds()
                if released:
                    self.stdout.write(f"released {len(released)} unpaid seat(s)")
            if not every:
                return
            time.sleep(every)
