from drf_spectacular.utils import extend_schema
from rest_framework import generics, parsers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .. import selectors, services, throttling
from .defaults import ApiDefaults
from .parsers import JSONParser, MultiPartParser
from .serializers import (
    BadgesSerializer,
    MeSerializer,
    NotificationSerializer,
    ReadAllSerializer,
    RegisterSerializer,
    UserSerializer,
)
from .throttling import AuthRateThrottle


class RegisterView(ApiDefaults, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # sign-up needs no CSRF token and no identity
    throttle_classes = [AuthRateThrottle]
    throttle_account_field = "email"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data)
        throttling.succeeded(request)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(ApiDefaults, TokenObtainPairView):
    # Open to anyone, as simplejwt's own views: the credentials are the body.
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = [AuthRateThrottle]
    throttle_account_field = "email"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            throttling.succeeded(request)
        return response


class TokenRefresh(ApiDefaults, TokenRefreshView):
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = [AuthRateThrottle]


class MeView(ApiDefaults, APIView):
    parser_classes = [JSONParser, MultiPartParser, parsers.FormParser]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        request={"application/json": MeSerializer, "multipart/form-data": MeSerializer},
        responses=MeSerializer,
    )
    def patch(self, request):
        serializer = MeSerializer(
            request.user, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        avatar = data.get("avatar", None)
        if "avatar" in data and avatar is None:
            avatar = ""  # explicit null removes the picture
        user = services.update_profile(
            user=request.user, name=data.get("name"), bio=data.get("bio"), avatar=avatar
        )
        return Response(MeSerializer(user, context={"request": request}).data)


class NotificationListView(ApiDefaults, generics.ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)[:200]


class NotificationReadView(ApiDefaults, APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        notification = services.mark_notification_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(ApiDefaults, APIView):
    @extend_schema(
        request=ReadAllSerializer,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    def post(self, request):
        serializer = ReadAllSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = services.mark_all_notifications_read(
            user=request.user,
            kind_prefixes=serializer.validated_data.get("kinds"),
            up_to_id=serializer.validated_data.get("up_to_id"),
        )
        return Response({"marked": marked})


class BadgesView(ApiDefaults, APIView):
    @extend_schema(responses=BadgesSerializer)
    def get(self, request):
        return Response(selectors.badge_counts(request.user))
