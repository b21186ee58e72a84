from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import services, throttling
from .app_settings import core_settings
from .dashboard import registry
from .exceptions import Conflict
from .forms import LoginForm, SignupForm
from .models import Role
from .selectors import badge_counts


def dashboard_url_for(user) -> str:
    return "/mentor/dashboard" if user.role == Role.MENTOR else "/learner/dashboard"


def home(request):
    if request.user.is_authenticated:
        return redirect(dashboard_url_for(request.user))
    return render(request, "peerlearn_core/home.html")


@require_http_methods(["GET", "POST"])
def signup(request):
    # A form with errors is the page the user reads next: 200, every error next to its field.
    form = SignupForm(request.POST or None)
    verdict = _attempt(request, form)
    if verdict is not None and verdict.allowed and form.is_valid():
        try:
            user = services.register_user(**form.cleaned_data)
        except Conflict as exc:  # the same email signed up between the check and the insert
            form.add_error(exc.field or None, exc.detail)
        else:
            verdict.succeeded()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(dashboard_url_for(user))
    response = render(request, "peerlearn_core/auth/signup.html", {"form": form})
    return _throttled(response, verdict)


def _attempt(request, form) -> throttling.Attempt | None:
    """On a POST, the auth throttle's verdict, the form refused (unvalidated) when over budget;
    None on a GET."""
    if request.method != "POST":
        return None
    verdict = throttling.attempt(request, account=request.POST.get("email"))
    if not verdict.allowed:
        form.refuse(verdict.message)
    return verdict


def _throttled(response, verdict):
    if verdict is not None and not verdict.allowed:
        return throttling.mark_throttled(response, verdict)
    return response


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request, request.POST or None)
    verdict = _attempt(request, form)
    if verdict is not None and verdict.allowed and form.is_valid():
        verdict.succeeded()
        login(request, form.user)
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect(dashboard_url_for(form.user))
    response = render(
        request,
        "peerlearn_core/auth/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )
    return _throttled(response, verdict)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("peerlearn_core:login")


def _dashboard(request, role: str):
    if request.user.role != role:
        return redirect(dashboard_url_for(request.user))
    tabs = registry.tabs_for(role)
    return render(
        request,
        "peerlearn_core/dashboard.html",
        {
            "role": role,
            "tabs": tabs,
            "tab_scripts": registry.scripts_for(tabs),
            "badges": badge_counts(request.user),
            # The named panel slots the tab templates render (see dashboard.Panel).
            "dashboard_slots_rendered": set(),
        },
    )


@login_required
def mentor_dashboard(request):
    return _dashboard(request, Role.MENTOR)


@login_required
def learner_dashboard(request):
    return _dashboard(request, Role.LEARNER)


def ui_kit(request):
    if not core_settings.UI_KIT_ENABLED:
        raise Http404("The UI kit page is only served in development.")
    return render(request, "peerlearn_core/ui_kit.html")
