from django.apps import AppConfig


class FundsiteConfig(AppConfig):
    """The project package as an app: site-wide templates, error pages and the admin's CSP nonce."""

    name = "fundsite"
    verbose_name = "站点"

    def ready(self):
        from wagtail.admin.widgets.chooser import BaseChooser
        from wagtail.api.v3.urls import api

        from fundsite.api_v3 import query_value_errors_register
        from fundsite.csp import chooser_render_with_nonce

        query_value_errors_register(api)
        # The footer's 开放接口 opens this API's Swagger page: its title and summary in the public's language.
        api.title = "页面内容接口（Wagtail API v3）"
        api.description = "读取基金网站公开的页面：首页、资助项目、项目进展、年度报告及其公布数字；只读接口无需登录。"

        # BaseChooser.render writes its init script in Python, out of any template's reach.
        if not hasattr(BaseChooser.render, "__wrapped__"):
            BaseChooser.render = chooser_render_with_nonce(BaseChooser.render)
