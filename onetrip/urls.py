from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from onetrip.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Pages: "/..." in Simplified Chinese, "/en/..." in English.
urlpatterns += i18n_patterns(
    path("guide/", include("onetrip.catalog.urls")),
    path("workbench/", include("onetrip.workbench.urls")),
    path("", include("onetrip.portal.urls")),
    prefix_default_language=False,
)
