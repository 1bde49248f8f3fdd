"""Where the gateways post their notifications: stored first, then verified and applied."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donations import services
from donations.gateways import gateway_enabled
from donations.models import Gateway
from donations.ratelimit import notification_guard
from fundsite.inputs import body_check_exempt


def _gateway_response(ack):
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)


def _notify(request, gateway_name):
    # The raw bytes, whatever they hold: the service stores them losslessly (as base64 when not keepable text).
    headers = {k: v for k, v in request.META.items() if k.startswith("HTTP_") or k == "CONTENT_TYPE"}
    notification = services.notification_store(
        gateway=gateway_name, headers=headers, body=request.body, remote_addr=request.META.get("REMOTE_ADDR") or None
    )
    if not gateway_enabled(gateway_name):
        services.notification_refuse(notification=notification, reason="支付方式未启用")
        return HttpResponse("failure", status=404)
    params = request.POST.dict() if gateway_name == Gateway.ALIPAY else {}
    return _gateway_response(services.notification_process(notification=notification, params=params))


@body_check_exempt  # stored byte for byte, even with a NUL; verification decides
@csrf_exempt  # gateways cannot send our CSRF token; the signature is verified instead
@require_POST
@notification_guard  # size and rate checked before anything is stored
def notify_alipay(request):
    return _notify(request, Gateway.ALIPAY)


@body_check_exempt  # as above
@csrf_exempt  # as above
@require_POST
@notification_guard  # size and rate checked before anything is stored
def notify_wechatpay(request):
    return _notify(request, Gateway.WECHATPAY)
