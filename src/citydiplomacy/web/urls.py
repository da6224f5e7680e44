"""Root URLs: pages of each app, the Django admin, accounts, and the JSON API at /api/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from citydiplomacy.web import views
from citydiplomacy.web.accounts import views as account_views
from citydiplomacy.web.api.api import api

admin.site.site_header = "citydiplomacy secretariat"
admin.site.site_title = "citydiplomacy"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        account_views.password_change,
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/", include("citydiplomacy.web.accounts.urls")),
    path("cities/", include("citydiplomacy.web.cities.urls")),
    path("", include("citydiplomacy.web.indicators.urls")),
    path("cities/", include("citydiplomacy.web.reports.urls")),
    path("partners/", include("citydiplomacy.web.partners.urls")),
    path("", include("citydiplomacy.web.engagement.urls")),
    path("", include("citydiplomacy.web.recognition.urls")),
    path("capacity/", include("citydiplomacy.web.capacity.urls")),
    path("notifications/", include("citydiplomacy.web.notifications.urls")),
    # The language switcher of every page posts here (Django's set_language: a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler400 = "citydiplomacy.web.views.bad_request"
handler403 = "citydiplomacy.web.views.permission_denied"
handler404 = "citydiplomacy.web.views.page_not_found"
handler500 = "citydiplomacy.web.views.server_error"
