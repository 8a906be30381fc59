from django.urls import path

from onetrip.portal import views

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
    path("verify/", views.verify, name="verify"),
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:message_id>/read/", views.message_read, name="message_read"),
]
