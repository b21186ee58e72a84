"""SyncMiddlewareChain: under ASGI, Django's middleware hooks run in sync mode in the view's
thread, not one ``sync_to_async`` hand-off per hook; the request still gets every hook."""

import threading

import pytest
from asgiref.sync import iscoroutinefunction
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils.deprecation import MiddlewareMixin

SEEN: list[tuple[str, str, int, bool | None]] = []


class Probe(MiddlewareMixin):
    """Records each hook's thread and whether Django loaded the middleware in async mode (an
    async ``get_response``, as ``MiddlewareMixin`` itself decides on every supported Django)."""

    def process_request(self, request):
        SEEN.append((type(self).__name__, "request", threading.get_ident(), self._async()))

    def process_response(self, request, response):
        SEEN.append((type(self).__name__, "response", threading.get_ident(), self._async()))
        response["X-Probed"] = response.get("X-Probed", "") + type(self).__name__[-1]
        return response

    def _async(self) -> bool:
        return iscoroutinefunction(self.get_response)


class ProbeA(Probe):
    pass


class ProbeB(Probe):
    pass


def probed_view(request):
    SEEN.append(("view", "view", threading.get_ident(), None))
    return HttpResponse("probed")


urlpatterns = [path("probed/", probed_view)]

DJANGO_CHAIN = [
    "django.middleware.security.SecurityMiddleware",
    f"{__name__}.ProbeA",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    f"{__name__}.ProbeB",
]


async def _get(middleware: list[str]):
    SEEN.clear()
    with override_settings(MIDDLEWARE=middleware, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        handler = ASGIHandler()  # loads the chain as an ASGI server does
        response = await HttpCommunicator(handler, "GET", "/probed/").get_response(timeout=10)
    assert response["status"] == 200
    assert response["body"] == b"probed"
    return {k.lower(): v for k, v in response["headers"]}, list(SEEN)


@pytest.mark.django_db(transaction=True)
async def test_every_hook_runs_in_sync_mode_in_the_views_thread():
    headers, seen = await _get([*DJANGO_CHAIN, "peerlearn_core.sync_chain.SyncMiddlewareChain"])
    assert headers[b"x-probed"] == b"BA"  # both probes saw the response, inner first
    assert [(name, hook) for name, hook, _t, _m in seen] == [
        ("ProbeA", "request"),
        ("ProbeB", "request"),
        ("view", "view"),
        ("ProbeB", "response"),
        ("ProbeA", "response"),
    ]
    assert {mode for name, _h, _t, mode in seen if name != "view"} == {False}
    assert len({thread for _n, _h, thread, _m in seen}) == 1
    assert seen[0][2] != threading.get_ident()  # and that thread is not the event loop's


@pytest.mark.django_db(transaction=True)
async def test_without_it_the_same_chain_hands_off_per_hook():
    """The control: what the chain changes (this test fails if Django stops adapting so)."""
    _headers, seen = await _get(DJANGO_CHAIN)
    assert {mode for name, _h, _t, mode in seen if name != "view"} == {True}
