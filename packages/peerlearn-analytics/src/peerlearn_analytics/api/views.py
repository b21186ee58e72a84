"""Mentor-only analytics API. Every view carries PeerLearn's API defaults (JWT or the session
cookie, ``peerlearn_core.api.defaults``) and its permission (an authenticated mentor); a session
id that is missing or another mentor's is a 404 either way, so ids reveal nothing."""

import csv
import io
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from peerlearn_core.api.defaults import ApiDefaults
from peerlearn_core.api.permissions import MENTOR_ONLY
from peerlearn_core.money import rupees

from .. import selectors
from ..app_settings import analytics_settings
from .serializers import (
    EarningsQuerySerializer,
    EarningsSerializer,
    SessionDrillDownSerializer,
    SessionEarningsSerializer,
    SessionReportSerializer,
)

PRIVATE = "private, no-store"

REFUSALS = {
    401: OpenApiResponse(description="No or bad credentials"),
    403: OpenApiResponse(description="Not a mentor"),
}
SESSION_REFUSALS = {
    **REFUSALS,
    404: OpenApiResponse(description="No such session among the mentor's own"),
}


# An empty query value (`?to=`) counts as not given (DRF's reading of form data, which the
# earnings tests pin): the schema says so rather than "a date".
DATE_OR_EMPTY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]}


def _private(response):
    response["Cache-Control"] = PRIVATE
    return response


class EarningsView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(
        summary="Earnings per week or month, from the ledger",
        description="Buckets of gross, commission and net (what was credited to the mentor when "
        "each paid session completed) and the number of sessions, in the analytics time zone "
        "(settings TIME_ZONE by default; weeks start on Monday). Empty buckets are included. "
        "Without from/to: the last 12 weeks or 12 months up to today. Ranges are widened to "
        "whole buckets and capped (PEERLEARN_ANALYTICS MAX_WEEKS / MAX_MONTHS).",
        parameters=[
            OpenApiParameter(
                "period",
                str,
                enum=[*selectors.PERIODS, ""],
                default="weekly",
                description="Empty: as if not given.",
            ),
            OpenApiParameter(
                "from", DATE_OR_EMPTY, description="First day (local). Empty: as if not given."
            ),
            OpenApiParameter(
                "to",
                DATE_OR_EMPTY,
                description="Last day (local); default today. Empty: as if not given.",
            ),
        ],
        responses={
            200: EarningsSerializer,
            400: OpenApiResponse(description="Unknown period, bad dates, from > to, too long"),
            **REFUSALS,
        },
    )
    def get(self, request):
        query = EarningsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period, zone = query.validated_data["period"], analytics_settings.zone
        buckets = selectors.earnings_buckets(
            request.user,
            period=period,
            first=query.validated_data["from"],
            last=query.validated_data["to"],
            zone=zone,
        )
        data = EarningsSerializer.build(period=period, buckets=buckets, zone=zone)
        return _private(Response(EarningsSerializer(data).data))


class SessionPagination(PageNumberPagination):
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads an empty ?page= as page 1; like any other page that is not one, it is a 404.
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        self.page_size = analytics_settings.PAGE_SIZE
        self.max_page_size = analytics_settings.MAX_PAGE_SIZE
        raw = request.query_params.get(self.page_size_query_param)
        # DRF falls back to the default for a bad value; the schema says integer, so say 400.
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError({self.page_size_query_param: ["Use a positive whole number."]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


@extend_schema(
    summary="The mentor's completed sessions with what each earned, newest first",
    responses={200: SessionEarningsSerializer(many=True), **REFUSALS},
)
class CompletedSessionsView(ApiDefaults, ListAPIView):
    permission_classes = MENTOR_ONLY
    serializer_class = SessionEarningsSerializer
    pagination_class = SessionPagination

    def get_queryset(self):
        return selectors.completed_sessions(self.request.user)

    def list(self, request, *args, **kwargs):
        return _private(super().list(request, *args, **kwargs))


class SessionDrillDownView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(
        summary="One session's earnings with its per-learner payments, ratings and comments",
        responses={200: SessionDrillDownSerializer, **SESSION_REFUSALS},
    )
    def get(self, request, pk: int):
        session = selectors.mentor_session(request.user, pk)
        feedback = list(selectors.session_feedback(session))
        data = {
            "session": session,
            "payments": selectors.session_payments(session),
            "ratings": feedback,
            "comments": [f for f in feedback if f.comment],
        }
        return _private(Response(SessionDrillDownSerializer(data).data))


class SessionReportView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(
        summary="A session's report: attendance, ratings, comments and the chat transcript",
        responses={200: SessionReportSerializer, **SESSION_REFUSALS},
    )
    def get(self, request, pk: int):
        session = selectors.session_report(request.user, pk)
        feedback = selectors.session_feedback(session).exclude(comment="")
        data = {
            "booked": session.booked,
            "attended": session.attended,
            "no_shows": selectors.no_shows(session),
            "confirmed": session.confirmed,
            "declined": session.declined,
            "average_rating": session.average_rating,
            "ratings_count": session.ratings_count,
            "comments": feedback,
            "transcript_url": reverse(
                "peerlearn_rtc:transcript", kwargs={"session_id": session.pk}
            ),
            "chat_messages": session.chat_count,
            "session": session,
        }
        return _private(Response(SessionReportSerializer(data).data))


# --- CSV --------------------------------------------------------------------------------------

CSV_HEADER = ("date", "title", "learners", "gross", "commission", "net")
# A cell starting like a formula runs as one in a spreadsheet (CSV injection): quote it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Lets ``Accept: text/csv`` through content negotiation. The export itself streams; only
    refusals (401/403) are rendered here, as a one-column CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["detail"])
        writer.writerow([data.get("detail", data) if isinstance(data, dict) else data])
        return buffer.getvalue().encode(self.charset)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _encode(rows, zone, *, header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_HEADER)
    for starts_at, title, learners, gross, commission, net in rows:
        writer.writerow(
            (
                timezone.localtime(starts_at, zone).date().isoformat(),
                _cell(title),
                learners,
                rupees(gross),
                rupees(commission),
                rupees(net),
            )
        )
    return buffer.getvalue()


def csv_stream(mentor, zone, chunk_size: int) -> Iterator[str]:
    """Header first (even with no sessions), then one encoded chunk per query."""
    yield _encode((), zone, header=True)
    for rows in selectors.completed_session_rows(mentor, chunk_size=chunk_size):
        yield _encode(rows, zone, header=False)


async def acsv_stream(mentor, zone, chunk_size: int) -> AsyncIterator[str]:
    """The same, for ASGI (Daphne): each chunk is read on the sync thread, between awaits, so
    the export streams instead of being buffered whole."""
    chunks = selectors.completed_session_rows(mentor, chunk_size=chunk_size)
    done = object()
    yield _encode((), zone, header=True)
    while True:
        rows = await sync_to_async(next)(chunks, done)
        if rows is done:
            return
        yield _encode(rows, zone, header=False)


class SessionsCSVView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        summary="Download CSV: every completed session with what it earned",
        description="Columns date (local, YYYY-MM-DD), title, learners, gross, commission, net; "
        "newest first; amounts in rupees from the ledger. Streamed.",
        operation_id="analytics_sessions_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file"),
            **REFUSALS,
        },
    )
    def get(self, request):
        zone, chunk_size = analytics_settings.zone, analytics_settings.CSV_CHUNK_SIZE
        if isinstance(request._request, ASGIRequest):
            content = acsv_stream(request.user, zone, chunk_size)
        else:
            content = csv_stream(request.user, zone, chunk_size)
        response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate(timezone=zone).strftime("%Y%m%d")
        response["Content-Disposition"] = (
            f'attachment; filename="peerlearn-sessions-earnings-{stamp}.csv"'
        )
        return _private(response)


class SessionsExportView(SessionsCSVView):
    """The same download under /api/analytics/sessions/export/."""

    @extend_schema(
        summary="Download CSV (same as sessions.csv)",
        operation_id="analytics_sessions_export",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file"),
            **REFUSALS,
        },
    )
    def get(self, request):
        return super().get(request)
