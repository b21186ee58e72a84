from rest_framework.throttling import BaseThrottle

from .. import throttling


class AuthRateThrottle(BaseThrottle):
    """The API's door to the one auth throttle (``peerlearn_core.throttling``), which the log-in
    and sign-up pages and the admin login share: the same per-address and per-account budgets.

    The account is the body's ``email`` on views that set ``throttle_account_field``.
    """

    def allow_request(self, request, view):
        account = None
        field = getattr(view, "throttle_account_field", None)
        if field and hasattr(request.data, "get"):
            account = request.data.get(field)
        self.verdict = throttling.attempt(request, account=account)
        return self.verdict.allowed

    def wait(self):
        return self.verdict.retry_after
