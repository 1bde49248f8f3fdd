"""Finding a gift again, and the public list of donors who agreed to be named."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from donations import selectors
from donations.forms import LookupForm
from donations.ratelimit import rate_limit_hit
from fundsite.client_ip import client_ip


@require_http_methods(["GET", "POST"])
def lookup(request):
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if rate_limit_hit(scope="lookup", key=client_ip(request), rate=settings.DONATION_LOOKUP_RATE):
            context["error"] = "查询过于频繁，请一小时后再试。"
            return render(request, "donations/lookup.html", context, status=429)
        # Order numbers are public in ledger memos: limit each order too, whatever address asks.
        order = request.POST.get("out_trade_no", "").strip()
        if order and rate_limit_hit(scope="lookup-order", key=order, rate=settings.DONATION_LOOKUP_ORDER_RATE):
            context["error"] = "该订单今日查询次数已达上限，请明天再试。"
            return render(request, "donations/lookup.html", context, status=429)
        donation = None
        if form.is_valid():
            donation = selectors.donation_lookup(**form.cleaned_data)
        if donation is None:
            context["error"] = "未找到匹配的捐赠，请核对订单号与手机号后四位。"
            return render(request, "donations/lookup.html", context, status=404)
        context.update(donation=donation, receipt=getattr(donation, "receipt", None) if donation.is_paid else None,
                       display_name=selectors.lookup_name(donation),
                       gift_proof=selectors.gift_proof(donation=donation))
    return render(request, "donations/lookup.html", context)


@require_GET
def donor_list(request):
    return render(request, "donations/donors.html", {"donors": selectors.public_donor_list(limit=100)})
