from django.apps import AppConfig


class FundsiteConfig(AppConfig):
    """The project package as an app: site-wide templates, error pages and the admin's CSP nonce."""

    name = "fundsite"
    verbose_name = "站点"

    def ready(self):
        from django.db.models.signals import post_migrate

        from fundsite.permission_names import permission_names_chinese

        # After every app's migrations (and Django's own permission creation), names still in English go Chinese.
        post_migrate.connect(permission_names_chinese, dispatch_uid="fundsite.permission_names_chinese")

        from wagtail.admin.widgets.chooser import BaseChooser
        from wagtail.api.v3.urls import api

        from fundsite.api_v3 import query_value_errors_register
        from fundsite.csp import chooser_render_with_nonce

        query_value_errors_register(api)
        # The footer's 开放接口 opens this API's Swagger page: its title and summary in the public's language.
        api.title = "页面内容接口（Wagtail API v3）"
        api.description = "读取基金网站公开的页面：首页、资助项目、项目进展、年度报告及其公布数字；只读接口无需登录。"

        # Wagtail's site listing names three of its columns in English, outside any translation.
        from wagtail.sites.views import IndexView as SiteIndexView

        for column in SiteIndexView.columns:
            column.label = {"port": "端口号", "site_name": "站点名称", "root_page": "根页面"}.get(column.name, column.label)

        # The group editor's page-permission rows label their page field from its name, in English.
        from wagtail.users.forms import PagePermissionsForm

        PagePermissionsForm.base_fields["page"].label = "页面"

        # BaseChooser.render writes its init script in Python, out of any template's reach.
        if not hasattr(BaseChooser.render, "__wrapped__"):
            BaseChooser.render = chooser_render_with_nonce(BaseChooser.render)
