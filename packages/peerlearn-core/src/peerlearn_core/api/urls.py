from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/token/refresh/", views.TokenRefresh.as_view(), name="token-refresh"),
    path("me/", views.MeView.as_view(), name="me"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read_all/",
        views.NotificationReadAllView.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("badges/", views.BadgesView.as_view(), name="badges"),
]
