from django.urls import path

from onetrip.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.guide, name="guide"),
    path("<str:code>/", views.item_detail, name="item"),
    path("<str:code>/<int:implementation_id>/", views.item_detail, name="implementation"),
]
