from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from peerlearn_core.services import notify


class Command(BaseCommand):
    help = "Send a notification to a user (stored, pushed live, badge updated)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--title", required=True)
        parser.add_argument("--body", default="")
        parser.add_argument("--kind", default="system")

    def handle(self, *args, email, title, body, kind, **options):
        try:
            user = get_user_model().objects.get(email__iexact=email)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user with email {email}") from exc
        notification = notify(user=user, kind=kind, title=title, body=body)
        self.stdout.write(f"notification {notification.pk} sent to {user.email}")
