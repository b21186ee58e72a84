"""Core's own signal receivers."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .realtime import close_session_sockets


@receiver(user_logged_out, dispatch_uid="peerlearn_core.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    # Sent before the session is flushed, so its key still names the sockets it opened.
    if user is not None and request is not None and hasattr(request, "session"):
        close_session_sockets(user.pk, request.session.session_key)
