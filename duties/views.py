"""Admin: generate the draft disclosure that meets a duty; it then goes through 审核发布 like any page."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from duties.registry import drafter_for
from fundsite.inputs import int_parse


@require_POST
@staff_member_required(login_url="wagtailadmin_login")
def duty_draft_create(request):
    try:
        subject_pk = int_parse(request.POST.get("subject", ""), low=1, high=2**63 - 1, label="公示对象")
    except ValidationError:
        return HttpResponseBadRequest("公示对象无效。", content_type="text/plain; charset=utf-8")
    drafter = drafter_for(request.POST.get("subject_kind", "")[:20], request.POST.get("duty", "")[:40])
    if drafter is None:
        return HttpResponseBadRequest("这项义务没有可自动生成的公示。", content_type="text/plain; charset=utf-8")
    try:
        page = drafter(subject_pk, request.user)
    except PermissionDenied:
        messages.error(request, "您没有在“信息公开”栏目下新建页面的权限。")
        return redirect(reverse("wagtailadmin_home"))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(reverse("wagtailadmin_home"))
    messages.success(request, f"已生成草稿“{page.title}”并提交审核；请补充说明后由审核员发布。")
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
