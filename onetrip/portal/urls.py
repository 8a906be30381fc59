from django.urls import path

from onetrip.portal import vault_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("apply/<int:implementation_id>/", views.apply_start, name="apply"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<str:number>/", views.case_detail, name="case"),
    path("my/cases/<str:number>/submit/", views.case_submit, name="case_submit"),
    path(
        "my/cases/<str:number>/materials/<int:material_id>/",
        views.material_file,
        name="material",
    ),
    path("my/cases/<str:number>/resubmit/", views.case_resubmit, name="case_resubmit"),
    path("my/licences/", views.my_licences, name="my_licences"),
    path("my/data/", vault_views.my_data, name="vault"),
    path("my/data/accesses/", vault_views.my_accesses, name="vault_accesses"),
    path("my/data/consents/", vault_views.my_consents, name="vault_consents"),
    path(
        "my/data/consents/<str:receipt_number>/",
        vault_views.consent_receipt,
        name="vault_consent",
    ),
    path(
        "my/data/consents/<str:receipt_number>/revoke/",
        vault_views.consent_revoke,
        name="vault_consent_revoke",
    ),
    path("my/data/corrections/", vault_views.my_corrections, name="vault_corrections"),
    path("my/data/corrections/new/", vault_views.correction_new, name="vault_correction_new"),
    path(
        "my/data/corrections/<str:number>/",
        vault_views.correction_detail,
        name="vault_correction",
    ),
    path("verify/", views.verify, name="verify"),
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:message_id>/read/", views.message_read, name="message_read"),
]
