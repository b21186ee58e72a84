from rest_framework.permissions import BasePermission, IsAuthenticated

from ..models import Role


class IsMentor(BasePermission):
    message = "Only mentors can do this."

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and request.user.role == Role.MENTOR
        )


class IsLearner(BasePermission):
    message = "Only learners can do this."

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and request.user.role == Role.LEARNER
        )


# Role-only views: anonymous callers get a 401, the other role a 403.
MENTOR_ONLY = (IsAuthenticated, IsMentor)
LEARNER_ONLY = (IsAuthenticated, IsLearner)
