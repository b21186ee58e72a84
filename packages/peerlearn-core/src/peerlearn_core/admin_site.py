"""The admin site with its login behind the one auth throttle (``peerlearn_core.throttling``).

Installed the way Django documents for replacing the default site: put
``"peerlearn_core.admin_apps.AdminConfig"`` in ``INSTALLED_APPS`` instead of
``"django.contrib.admin"``. A system check warns when the admin runs without it.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from . import throttling


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        # Over budget: the wait is the only error, and the password is never checked.
        refused = throttling.refusal(self.request)
        if refused is not None:
            raise ValidationError(refused.message, code="throttled")
        return super().clean()


class AdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        # The admin's login form calls the email field "username".
        verdict = throttling.attempt(request, account=request.POST.get("username"))
        response = super().login(request, extra_context)
        if not verdict.allowed:
            return throttling.mark_throttled(response, verdict)
        if response.status_code == 302 and request.user.is_authenticated:
            verdict.succeeded()
        return response
