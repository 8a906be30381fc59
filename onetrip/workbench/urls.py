from django.urls import path

from onetrip.workbench import data_views, views

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
    # The data platform (公共数据平台): catalog, loads, sharing, corrections.
    path("data/", data_views.catalog, name="data_catalog"),
    path("data/new/", data_views.dataset_new, name="data_dataset_new"),
    path("data/datasets/<slug:code>/", data_views.dataset_detail, name="data_dataset"),
    path("data/datasets/<slug:code>/edit/", data_views.dataset_edit, name="data_dataset_edit"),
    path(
        "data/datasets/<slug:code>/request-access/",
        data_views.dataset_request_access,
        name="data_request_access",
    ),
    path("data/datasets/<slug:code>/fields/new/", data_views.field_edit, name="data_field_new"),
    path(
        "data/datasets/<slug:code>/fields/<int:field_id>/",
        data_views.field_edit,
        name="data_field_edit",
    ),
    path(
        "data/datasets/<slug:code>/fields/<int:field_id>/delete/",
        data_views.field_delete,
        name="data_field_delete",
    ),
    path("data/datasets/<slug:code>/upload/", data_views.upload, name="data_upload"),
    path("data/loads/<int:load_id>/", data_views.load_detail, name="data_load"),
    path("data/loads/<int:load_id>/status/", data_views.load_status, name="data_load_status"),
    path("data/loads/<int:load_id>/rerun/", data_views.load_rerun, name="data_load_rerun"),
    path(
        "data/loads/<int:load_id>/problems.csv",
        data_views.load_problems_csv,
        name="data_load_problems",
    ),
    path("data/problems/", data_views.problems, name="data_problems"),
    path("data/clients/", data_views.clients, name="data_clients"),
    path(
        "data/clients/<int:client_id>/rotate/", data_views.client_rotate, name="data_client_rotate"
    ),
    path(
        "data/credentials/<int:credential_id>/revoke/",
        data_views.credential_revoke,
        name="data_credential_revoke",
    ),
    path("data/requests/", data_views.access_requests, name="data_requests"),
    path(
        "data/requests/<int:grant_id>/decide/",
        data_views.access_request_decide,
        name="data_request_decide",
    ),
    path("data/corrections/", data_views.corrections, name="data_corrections"),
    path(
        "data/corrections/<str:number>/decide/",
        data_views.correction_decide,
        name="data_correction_decide",
    ),
]
