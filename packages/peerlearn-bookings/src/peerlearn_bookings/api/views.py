"""Thin API views: parse, check who may ask, call one service or selector, render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from peerlearn_core.api.defaults import ApiDefaults
from peerlearn_core.api.permissions import LEARNER_ONLY, MENTOR_ONLY
from peerlearn_core.api.query import bool_parameter, query_bool
from peerlearn_core.exceptions import NotAllowed

from .. import selectors, services
from ..models import LiveSession
from .serializers import (
    AcceptRequestSerializer,
    AttendSerializer,
    BookingSerializer,
    BookingStateSerializer,
    CancelSessionSerializer,
    DeclineRequestSerializer,
    FeedbackSerializer,
    MentorSerializer,
    ReconfirmSerializer,
    SessionLearnerSerializer,
    SessionRequestCreateSerializer,
    SessionRequestSerializer,
    SessionSerializer,
    SessionWriteSerializer,
    WaitlistSerializer,
)
from .throttling import BookThrottle, CancelThrottle, ReadyThrottle, RequestThrottle


def _session_response(session_id: int, code=status.HTTP_200_OK) -> Response:
    return Response(SessionSerializer(selectors.session_with_counts(session_id)).data, status=code)


class SessionListView(ApiDefaults, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=["scheduled", "past"],
                description="Mentors: their open or closed sessions. "
                "Learners always get the bookable sessions.",
            ),
            bool_parameter(
                "include_full",
                "Learners: also list full scheduled sessions (to join their "
                "waitlist); each carries the learner's `waitlist_position`.",
            ),
        ],
        responses=SessionSerializer(many=True),
    )
    def get(self, request):
        scope = request.query_params.get("scope", "scheduled")
        if scope not in {"scheduled", "past"}:
            raise ValidationError({"scope": ["Use scheduled or past."]})
        include_full = query_bool(request, "include_full")
        context = {}
        if request.user.role == "mentor":
            sessions = selectors.mentor_sessions(request.user, scope)
        elif include_full:
            sessions = list(selectors.browsable_sessions())
            context["waitlist_positions"] = selectors.waitlist_positions(
                learner_id=request.user.pk, session_ids=[s.pk for s in sessions]
            )
        else:
            sessions = selectors.bookable_sessions()
        return Response(SessionSerializer(sessions, many=True, context=context).data)

    @extend_schema(request=SessionWriteSerializer, responses={201: SessionSerializer})
    def post(self, request):
        if request.user.role != "mentor":
            raise NotAllowed("Only mentors can create sessions.")
        serializer = SessionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.create_session(mentor=request.user, **serializer.to_service_kwargs())
        return _session_response(session.pk, status.HTTP_201_CREATED)


class SessionDetailView(ApiDefaults, APIView):
    @extend_schema(responses=SessionSerializer)
    def get(self, request, pk: int):
        session = selectors.session_with_counts(pk)
        if not selectors.can_view_session(request.user, session):
            raise NotAllowed("You cannot see this session.")
        return Response(SessionSerializer(session).data)

    @extend_schema(request=SessionWriteSerializer, responses=SessionSerializer)
    def patch(self, request, pk: int):
        session = LiveSession.objects.get(pk=pk)
        if session.mentor_id != request.user.pk:
            raise NotAllowed("Only the session's mentor can edit it.")
        serializer = SessionWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_session(
            session_id=pk, mentor=request.user, **serializer.to_service_kwargs()
        )
        return _session_response(pk)


class SessionActionView(ApiDefaults, APIView):
    """POST /api/sessions/{id}/<action>/ for the mentor's state changes."""

    permission_classes = MENTOR_ONLY
    action = ""
    actions = {
        "ready": services.mark_ready,
        "cancel_ready": services.cancel_ready,
        "start": services.start_session,
        "complete": services.complete_session,
    }

    def get_throttles(self):
        if self.action in {"ready", "cancel_ready"}:
            return [ReadyThrottle()]
        return super().get_throttles()

    # Actions whose service returns the session with its counts already set (no re-read).
    counted = {"ready", "cancel_ready"}

    @extend_schema(request=None, responses=SessionSerializer)
    def post(self, request, pk: int):
        session = self.actions[self.action](session_id=pk, mentor=request.user)
        if self.action in self.counted:
            return Response(SessionSerializer(session).data)
        return _session_response(pk)


class SessionCancelView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(request=CancelSessionSerializer, responses=SessionSerializer)
    def post(self, request, pk: int):
        serializer = CancelSessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cancel_session(session_id=pk, mentor=request.user, **serializer.validated_data)
        return _session_response(pk)


class SessionBookView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY
    throttle_classes = [BookThrottle]

    @extend_schema(request=None, responses={201: BookingSerializer})
    def post(self, request, pk: int):
        booking = services.book_session(session_id=pk, learner=request.user)
        booking = selectors.learner_bookings(request.user).get(pk=booking.pk)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


def _waitlist_response(session_id: int, learner, code=status.HTTP_200_OK) -> Response:
    from ..models import WaitlistEntry

    entry = WaitlistEntry.objects.filter(session_id=session_id, learner=learner).first()
    data = {
        "session_id": session_id,
        "position": selectors.waitlist_position(session_id=session_id, learner_id=learner.pk),
        "waitlist_count": selectors.waitlist_count(session_id),
        "joined_at": entry.joined_at if entry else None,
    }
    return Response(WaitlistSerializer(data).data, status=code)


class SessionWaitlistView(ApiDefaults, APIView):
    """A full session's waitlist: the learner's place in it (GET), joining (POST), leaving
    (DELETE). When a seat frees, the first in line is booked into it and told live."""

    permission_classes = LEARNER_ONLY

    def _session(self, request, pk: int) -> LiveSession:
        return LiveSession.objects.only("pk").get(pk=pk)  # 404 when there is no such session

    @extend_schema(request=None, responses=WaitlistSerializer)
    def get(self, request, pk: int):
        self._session(request, pk)
        return _waitlist_response(pk, request.user)

    @extend_schema(request=None, responses={201: WaitlistSerializer, 200: WaitlistSerializer})
    def post(self, request, pk: int):
        self._session(request, pk)
        from ..models import WaitlistEntry

        was_waiting = WaitlistEntry.objects.filter(session_id=pk, learner=request.user).exists()
        services.join_waitlist(session_id=pk, learner=request.user)
        code = status.HTTP_200_OK if was_waiting else status.HTTP_201_CREATED
        return _waitlist_response(pk, request.user, code)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        self._session(request, pk)
        services.leave_waitlist(session_id=pk, learner=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BookingReconfirmView(ApiDefaults, APIView):
    """The learner answers a reschedule: ``{accept: true}`` keeps the seat at the new time,
    ``{accept: false}`` frees it with a full refund whatever the cutoff."""

    permission_classes = LEARNER_ONLY

    @extend_schema(request=ReconfirmSerializer, responses=BookingStateSerializer)
    def post(self, request, pk: int):
        serializer = ReconfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.reconfirm_booking(
            booking_id=pk, learner=request.user, accept=serializer.validated_data["accept"]
        )
        return Response(BookingStateSerializer(booking).data)


class SessionLearnersView(ApiDefaults, APIView):
    @extend_schema(responses=SessionLearnerSerializer(many=True))
    def get(self, request, pk: int):
        session = LiveSession.objects.get(pk=pk)
        if session.mentor_id != request.user.pk:
            raise NotAllowed("Only the session's mentor can see who booked.")
        return Response(
            SessionLearnerSerializer(selectors.session_learners(session), many=True).data
        )


class BookingListView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY

    @extend_schema(
        parameters=[bool_parameter("include_cancelled", "Also list cancelled bookings.")],
        responses=BookingSerializer(many=True),
    )
    def get(self, request):
        include = query_bool(request, "include_cancelled")
        bookings = selectors.learner_bookings(request.user, include_cancelled=include)
        return Response(BookingSerializer(bookings, many=True).data)


class BookingLearnerActionView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY
    action = ""
    actions = {
        "confirm": services.confirm_booking,
        "decline": services.decline_booking,
        "cancel": services.cancel_booking,
    }

    def get_throttles(self):
        if self.action == "cancel":
            return [CancelThrottle()]
        return super().get_throttles()

    @extend_schema(request=None, responses=BookingStateSerializer)
    def post(self, request, pk: int):
        booking = self.actions[self.action](booking_id=pk, learner=request.user)
        return Response(BookingStateSerializer(booking).data)


class BookingAttendView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(request=AttendSerializer, responses=BookingStateSerializer)
    def post(self, request, pk: int):
        serializer = AttendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.mark_attended(
            booking_id=pk, mentor=request.user, attended=serializer.validated_data["attended"]
        )
        return Response(BookingStateSerializer(booking).data)


class BookingFeedbackView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackSerializer})
    def post(self, request, pk: int):
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.leave_feedback(
            booking_id=pk, learner=request.user, **serializer.validated_data
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class RequestListView(ApiDefaults, APIView):
    def get_throttles(self):
        if self.request.method == "POST":
            return [RequestThrottle()]
        return super().get_throttles()

    @extend_schema(responses=SessionRequestSerializer(many=True))
    def get(self, request):
        return Response(
            SessionRequestSerializer(selectors.requests_for(request.user), many=True).data
        )

    @extend_schema(
        request=SessionRequestCreateSerializer, responses={201: SessionRequestSerializer}
    )
    def post(self, request):
        if request.user.role != "learner":
            raise NotAllowed("Only learners can request sessions.")
        serializer = SessionRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.create_request(
            learner=request.user,
            mentor_id=data["mentor"],
            topic=data["topic"],
            message=data["message"],
            preferred_times=data["preferred_times"],
        )
        created = selectors.requests_for(request.user).get(pk=created.pk)
        return Response(SessionRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class RequestAcceptView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(request=AcceptRequestSerializer, responses=SessionRequestSerializer)
    def post(self, request, pk: int):
        serializer = AcceptRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accepted = services.accept_request(
            request_id=pk, mentor=request.user, **serializer.to_service_kwargs()
        )
        accepted = selectors.requests_for(request.user).get(pk=accepted.pk)
        return Response(SessionRequestSerializer(accepted).data)


class RequestDeclineView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(request=DeclineRequestSerializer, responses=SessionRequestSerializer)
    def post(self, request, pk: int):
        serializer = DeclineRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declined = services.decline_request(
            request_id=pk, mentor=request.user, **serializer.validated_data
        )
        return Response(SessionRequestSerializer(declined).data)


class MentorListView(ApiDefaults, APIView):
    @extend_schema(responses=MentorSerializer(many=True))
    def get(self, request):
        return Response(MentorSerializer(selectors.mentors(), many=True).data)
