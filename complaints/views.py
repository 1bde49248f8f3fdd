"""The form's endpoint and the status page a reference number opens."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors, services
from complaints.forms import ComplaintForm
from fundsite.client_ip import client_ip


def _address(request) -> str:
    # The flood guard's per-address counter, keyed by the address the site's own proxies report.
    return client_ip(request) or "unknown"


@require_POST
def complaint_submit(request):
    """POST /complaints/: store the complaint and show its reference, or say what to fix (400), or 429."""
    form = ComplaintForm(request.POST, auto_id="complaint_%s")
    page = None
    if form.is_valid():
        page = selectors.complaint_page(form.cleaned_data["page"])
        if page is None:
            form.add_error(None, "没有找到可以提交举报或意见的页面，请从募捐或项目页面提交。")
    if not form.is_valid():
        return render(request, "complaints/submit_error.html", {"form": form, "page": page}, status=400)
    if not services.complaint_guard_pass(address=_address(request)):
        return render(request, "complaints/submit_error.html", {
            "form": form, "page": page, "flooded": True,
        }, status=429)
    data = form.cleaned_data
    complaint = services.complaint_submit(
        page=page, kind=data["kind"], content=data["content"], name=data["name"], phone=data["phone"],
        email=data["email"],
    )
    return redirect("complaints:status", reference=complaint.reference)


@require_GET
def complaint_status(request, reference):
    """GET /complaints/<reference>/: received when, due when, answered or not (and the answer)."""
    complaint = selectors.complaint_by_reference(reference)
    if complaint is None:
        raise Http404("没有这个受理编号。")
    return render(request, "complaints/status.html", {
        "complaint": complaint, "page": complaint.page, "today": timezone.localdate(),
    })
