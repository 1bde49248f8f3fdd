from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/", views.complaint_submit, name="submit"),
    path("complaints/<str:reference>/", views.complaint_status, name="status"),
]
