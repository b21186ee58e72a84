import time

from django.core.management.base import BaseCommand

from peerlearn_payouts.services import reconcile_payouts, reconcile_refunds, release_expired_holds


class Command(BaseCommand):
    help = (
        "Poll Razorpay for every payout and refund that may still change and converge it, and "
        "write refunds the policy owes that nobody wrote (run from cron, or with --every)."
    )

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
            try:
                self.run_once(release_holds)
            except Exception as exc:
                if not every:
                    raise
                # Keep looping: the next round retries whatever this one could not finish.
                self.stderr.write(f"reconciliation round failed: {exc!r}")
            if not every:
                return
            time.sleep(every)

    def run_once(self, release_holds: bool) -> None:
        counts = reconcile_payouts()
        self.stdout.write(
            f"payouts: checked {counts['checked']}, changed {counts['changed']}, "
            f"errors {counts['errors']}"
        )
        counts = reconcile_refunds()
        self.stdout.write(
            f"refunds: repaired {counts['repaired']}, checked {counts['checked']}, "
            f"changed {counts['changed']}, errors {counts['errors']}"
        )
        if release_holds:
            released = release_expired_holds()
            if released:
                self.stdout.write(f"released {len(released)} unpaid seat(s)")
