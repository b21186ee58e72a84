from django.urls import include, path

from . import views

app_name = "peerlearn_core"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mentor/dashboard", views.mentor_dashboard, name="mentor-dashboard"),
    path("mentor/dashboard/", views.mentor_dashboard),
    path("learner/dashboard", views.learner_dashboard, name="learner-dashboard"),
    path("learner/dashboard/", views.learner_dashboard),
    path("ui-kit/", views.ui_kit, name="ui-kit"),
    path("api/", include("peerlearn_core.api.urls")),
]
