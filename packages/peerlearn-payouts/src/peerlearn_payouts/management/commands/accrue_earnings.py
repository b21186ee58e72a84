from django.core.management.base import BaseCommand

from peerlearn_payouts.services import accrue_missing_earnings


class Command(BaseCommand):
    help = "Repair: accrue earnings of completed sessions whose accrual never ran. Idempotent."

    def handle(self, *args, **options):
        credited = accrue_missing_earnings()
        self.stdout.write(f"credited {credited} paise")
