"""DRF exception handler: domain errors and model validation become 4xx in DRF's shape.

Every PeerLearn view uses it (``api.defaults.ApiDefaults``) whatever the host's
``REST_FRAMEWORK["EXCEPTION_HANDLER"]``; what it does not convert itself it hands to that handler
(DRF's own when the host names none), so a host's customisation still shapes our errors.
"""

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import DomainError
from .parsers import TOO_LARGE


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


def _domain_response(exc: DomainError) -> Response:
    data = {exc.field: [exc.detail]} if exc.field else {"detail": exc.detail}
    data.setdefault("code", exc.code)
    return Response(data, status=exc.status_code)


def _host_handler():
    handler = api_settings.EXCEPTION_HANDLER
    return drf_exception_handler if handler in (None, exception_handler) else handler


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {key: [e for e in errors] for key, errors in exc.message_dict.items()}
        else:
            data = {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        # Django's own body limits (request.body, form and multipart parsing): JSON, not its
        # HTML 400 page.
        exc = BadRequest(TOO_LARGE, code="too_large")
    elif isinstance(exc, SuspiciousOperation):  # too many fields or files, and the like
        exc = BadRequest()
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    response = _host_handler()(exc, context)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and response:
        response.status_code = status.HTTP_401_UNAUTHORIZED
    return response
