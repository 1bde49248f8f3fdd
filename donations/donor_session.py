"""Who is signed in to 我的捐赠 in this browser session: a small record of kind and value.

A phone or e-mail identity is kept as proved; a WeChat identity keeps only its kind, and the
openid itself is read from wechat.session each time (the one place an openid is kept).
"""

from donations.models import DonorIdentityKind
from donations.services.donors import DonorIdentity
from wechat.session import openid_of

SESSION_KEY = "donor_identity"
PENDING_KEY = "donor_pending"


def donor_session_start(request, identity: DonorIdentity) -> None:
    request.session.pop(PENDING_KEY, None)
    if identity.kind == DonorIdentityKind.OPENID:
        request.session[SESSION_KEY] = {"kind": DonorIdentityKind.OPENID.value}
    else:
        request.session[SESSION_KEY] = {"kind": identity.kind, "value": identity.value}
    # A new identity: a fresh session id, so a fixed one cannot be ridden.
    request.session.cycle_key()


def donor_of(request) -> DonorIdentity | None:
    record = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(record, dict):
        return None
    if record.get("kind") == DonorIdentityKind.OPENID:
        openid = openid_of(request)
        return DonorIdentity(DonorIdentityKind.OPENID, openid) if openid else None
    if record.get("kind") in (DonorIdentityKind.PHONE, DonorIdentityKind.EMAIL) and record.get("value"):
        return DonorIdentity(record["kind"], record["value"])
    return None


def donor_session_end(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(PENDING_KEY, None)


def donor_pending_set(request, identity: DonorIdentity) -> None:
    """The address a code was just sent to, awaiting that code."""
    request.session[PENDING_KEY] = {"kind": identity.kind, "value": identity.value}


def donor_pending_of(request) -> DonorIdentity | None:
    record = request.session.get(PENDING_KEY)
    if isinstance(record, dict) and record.get("kind") in (DonorIdentityKind.PHONE, DonorIdentityKind.EMAIL):
        return DonorIdentity(record["kind"], record.get("value", ""))
    return None
