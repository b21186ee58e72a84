"""Rules every ``/api/`` response follows, whichever view (or none) produced it: errors are JSON
in DRF's shape, and nothing is kept by a browser or shared cache."""

from django.conf import settings
from django.http import JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.urls import is_valid_path
from django.utils.cache import patch_cache_control
from django.utils.deprecation import MiddlewareMixin
from rest_framework.response import Response

API_PREFIX = "/api/"

# Django's own error pages (no route, a non-integer id, a method a plain view does not take,
# a body over its limits) for API paths, said the way DRF says them.
ERROR_DETAILS = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    413: "Request body too large.",
}


class HttpResponsePermanentRedirectKeepingMethod(HttpResponseRedirectBase):
    status_code = 308


def _is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


class ApiResponseMiddleware(MiddlewareMixin):
    """Place it above CommonMiddleware, so it sees the final response (after APPEND_SLASH)."""

    def process_request(self, request):
        """APPEND_SLASH for a POST (PUT, PATCH, DELETE) to an API path missing its slash: a 308,
        which keeps the method and body, where CommonMiddleware would send a 301 that loses
        them (and, with DEBUG on, raise a RuntimeError: a 500)."""
        path = request.path_info
        if (
            settings.APPEND_SLASH
            and path.startswith(API_PREFIX)
            and not path.endswith("/")
            and request.method not in ("GET", "HEAD")
        ):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
                location = request.get_full_path(force_append_slash=True)
                return HttpResponsePermanentRedirectKeepingMethod(location)
        return None

    def process_response(self, request, response):
        if not request.path_info.startswith(API_PREFIX):
            return response
        if (
            400 <= response.status_code < 500
            and not isinstance(response, Response)  # DRF's: negotiated, already in its shape
            and not _is_json(response)
        ):
            response = self._json_error(request, response)
        if not response.has_header("Cache-Control"):
            # API answers are per user (or hand out tokens): never stored. A view that wants
            # caching (a public schema, say) sets its own Cache-Control.
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _json_error(request, response):
        status = response.status_code
        if status == 405:
            detail = f'Method "{request.method}" not allowed.'
        else:
            detail = ERROR_DETAILS.get(status, f"{response.reason_phrase}.")
        replacement = JsonResponse({"detail": detail}, status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if response.has_header(header):
                replacement[header] = response[header]
        return replacement
