"""A certificate: its PDF for the donor, its public verification page for anyone."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from donations import selectors


@require_GET
def receipt_download(request, token):
    receipt = selectors.receipt_by_token(token=token)
    if receipt is None:
        raise Http404("证书不存在")
    response = HttpResponse(selectors.receipt_pdf(receipt=receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{receipt.number}.pdf"'
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def receipt_verify(request, number):
    receipt = selectors.receipt_by_number(number=number)
    facts = selectors.receipt_public_facts(receipt=receipt) if receipt else None
    gift_proof = selectors.gift_proof(donation=receipt.donation) if receipt else None
    gift_flow = selectors.receipt_gift_flow(receipt=receipt) if receipt else None
    return render(request, "donations/receipt_verify.html",
                  {"facts": facts, "number": number, "gift_proof": gift_proof, "gift_flow": gift_flow,
                   "receipt_campaign": receipt.donation.campaign if receipt else None},
                  status=200 if facts else 404)
