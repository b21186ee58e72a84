from django.urls import path

from . import views

urlpatterns = [
    path("sessions/", views.SessionListView.as_view(), name="sessions"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/book/", views.SessionBookView.as_view(), name="session-book"),
    path(
        "sessions/<int:pk>/learners/", views.SessionLearnersView.as_view(), name="session-learners"
    ),
    path(
        "sessions/<int:pk>/waitlist/", views.SessionWaitlistView.as_view(), name="session-waitlist"
    ),
    path("sessions/<int:pk>/cancel/", views.SessionCancelView.as_view(), name="session-cancel"),
    *[
        path(
            f"sessions/<int:pk>/{action}/",
            views.SessionActionView.as_view(action=action),
            name=f"session-{action}",
        )
        for action in ("ready", "cancel_ready", "start", "complete")
    ],
    path("bookings/", views.BookingListView.as_view(), name="bookings"),
    path(
        "bookings/<int:pk>/reconfirm/",
        views.BookingReconfirmView.as_view(),
        name="booking-reconfirm",
    ),
    path("bookings/<int:pk>/attend/", views.BookingAttendView.as_view(), name="booking-attend"),
    path(
        "bookings/<int:pk>/feedback/", views.BookingFeedbackView.as_view(), name="booking-feedback"
    ),
    *[
        path(
            f"bookings/<int:pk>/{action}/",
            views.BookingLearnerActionView.as_view(action=action),
            name=f"booking-{action}",
        )
        for action in ("confirm", "decline", "cancel")
    ],
    path("requests/", views.RequestListView.as_view(), name="requests"),
    path("requests/<int:pk>/accept/", views.RequestAcceptView.as_view(), name="request-accept"),
    path("requests/<int:pk>/decline/", views.RequestDeclineView.as_view(), name="request-decline"),
    path("mentors/", views.MentorListView.as_view(), name="mentors"),
]
