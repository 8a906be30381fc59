from django.urls import path

from onetrip.workbench import views

app_name = "workbench"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("intake/", views.intake, name="intake"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path(
        "cases/<str:number>/materials/<int:material_id>/",
        views.material_file,
        name="material",
    ),
    path("cases/<str:number>/<str:action>/", views.case_act, name="case_act"),
]
