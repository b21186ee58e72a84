from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ..models import Notification, Role
from ..validators import validate_avatar
from .fields import (
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictModelSerializer,
    StrictRegexField,
)

User = get_user_model()


class RegisterSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = StrictCharField(max_length=120)
    role = StrictChoiceField(choices=Role.choices)

    def validate_email(self, value: str) -> str:
        value = value.lower()
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError("A user with this email already exists.")
        return value

    def validate(self, attrs):
        candidate = User(email=attrs["email"], name=attrs["name"], role=attrs["role"])
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "role"]
        read_only_fields = fields


class MeSerializer(StrictModelSerializer):
    avatar_url = serializers.SerializerMethodField()
    avatar = serializers.ImageField(
        write_only=True, required=False, allow_null=True, validators=[validate_avatar]
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "bio", "avatar_url", "avatar"]
        read_only_fields = ["id", "email", "role", "avatar_url"]
        extra_kwargs = {"name": {"allow_blank": False}}

    def get_avatar_url(self, user) -> str:
        if not user.avatar:
            return ""
        request = self.context.get("request")
        return request.build_absolute_uri(user.avatar.url) if request else user.avatar.url


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "created_at", "read"]
        read_only_fields = fields


class BadgesSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    notifications = serializers.IntegerField()
    earnings = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    kinds = serializers.ListField(
        child=StrictRegexField(r"^[a-z_]+\.?[a-z_.]*$", max_length=64),
        required=False,
        max_length=10,
        help_text="Only notifications whose kind starts with one of these (e.g. 'payout.').",
    )
    up_to_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "Only notifications with an id up to this one: the newest the client has shown, so "
            "one that arrives after the user looked stays unread."
        ),
    )
