from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """举报与意见: the public's complaints about a campaign or project, answered within five working days."""

    name = "complaints"
    verbose_name = "举报与意见"
    default_auto_field = "django.db.models.BigAutoField"
