"""What every PeerLearn API view carries itself, whatever the host's ``REST_FRAMEWORK`` says.

A host may leave ``REST_FRAMEWORK`` empty or set it for its own API: our views still accept a
simplejwt access token (``Authorization: Bearer``) and the session cookie, refuse anonymous callers
(401/403), read JSON within our size and depth limits, and turn our service errors into 4xx.
Views mix ``ApiDefaults`` in before DRF's base class and override only what differs
(``permission_classes = [IsAuthenticated, IsMentor]``, an open sign-up, a webhook that
authenticates by signature)::

    class SessionListView(ApiDefaults, APIView): ...

Throttle rates come from each app's own settings (``peerlearn_core.throttling``, bookings'
``ACTION_THROTTLE_RATE``, payouts' ``MONEY_THROTTLE_RATE``), never from the host's
``DEFAULT_THROTTLE_RATES``. Renderers, pagination and the schema class stay the host's.
"""

from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser
from rest_framework.permissions import IsAuthenticated
from rest_framework_simplejwt.authentication import JWTAuthentication

from .exceptions import exception_handler
from .parsers import JSONParser, MultiPartParser

# The contract: every /api/ endpoint takes a JWT access token and the pages' session cookie (with
# CSRF on unsafe methods). JWT first: a bad token is a 401 with WWW-Authenticate: Bearer.
AUTHENTICATION_CLASSES = (JWTAuthentication, SessionAuthentication)
PERMISSION_CLASSES = (IsAuthenticated,)
PARSER_CLASSES = (JSONParser, FormParser, MultiPartParser)  # ours: limits, strict parts


# Authentication, permission, parsers and exception handler of every PeerLearn API view. (No
# docstring: drf-spectacular would take it as the description of every view without one.)
class ApiDefaults:
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = PERMISSION_CLASSES
    parser_classes = PARSER_CLASSES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if not ids_fit(kwargs):
            raise NotFound()

    def get_exception_handler(self):
        return exception_handler


def ids_fit(kwargs: dict) -> bool:
    """Every integer of a URL fits a database id. ``<int:pk>`` takes any digits; Django 5.0+
    finds no row for an id out of range, 4.2 fails in the database driver (a 500 on SQLite)."""
    return all(not isinstance(v, int) or abs(v) <= MAX_ID for v in kwargs.values())


MAX_ID = 2**63 - 1
