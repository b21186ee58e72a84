from django.urls import path

from . import views

urlpatterns = [
    path("analytics/earnings/", views.EarningsView.as_view(), name="earnings"),
    path("analytics/sessions/", views.CompletedSessionsView.as_view(), name="sessions"),
    path("analytics/sessions.csv", views.SessionsCSVView.as_view(), name="sessions-csv"),
    path("analytics/sessions/export/", views.SessionsExportView.as_view(), name="sessions-export"),
    path(
        "analytics/sessions/<int:pk>/",
        views.SessionDrillDownView.as_view(),
        name="session-detail",
    ),
    path("sessions/<int:pk>/report/", views.SessionReportView.as_view(), name="session-report"),
]
