"""The transparency log over HTTP (/fund/log/…): signed heads, leaves, inclusion and consistency proofs.

Every answer is plain JSON that ledger/verify_log.py checks offline; hashes are lowercase hex,
signatures base64. The OpenAPI document is /fund/log/openapi.json, read at /fund/log/docs.
"""

import functools
import json
import time
from typing import Annotated

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fundsite.inputs import CleanStr, validation_errors_zh
from ledger import selectors, services
from ledger.signing import current_key_id, public_key_b64

MAX_SIZE = 1 << 48

log_api = NinjaAPI(
    title="资金账本透明日志", version="1.0.0", urls_namespace="ledger_log",
    description=(
        "基金资金账本的 Merkle 透明日志（RFC 9162）：每条账本记录是一片叶子，基金用 Ed25519 签署树头。"
        "任何人可取得某条记录的包含证明、任意两个规模之间的一致性证明，用 ledger/verify_log.py 离线核验。"
    ),
)

Size = Annotated[int, Field(ge=0, le=MAX_SIZE, description="日志规模（条目数）")]
EntryId = Annotated[int, Field(ge=1, le=MAX_SIZE, description="账本记录序号（叶子序号 + 1）")]


@log_api.exception_handler(NinjaValidationError)
def _validation_error(request, exc):
    return log_api.create_response(request, {"detail": validation_errors_zh(exc.errors)}, status=422)


class HeadOut(Schema):
    """A signed tree head: the signature covers origin, size, root_hash and timestamp."""

    origin: str
    size: int
    root_hash: str = Field(description="根哈希，64 位小写十六进制")
    timestamp: str = Field(description="签署时间（UTC），YYYY-MM-DDTHH:MM:SSZ")
    key_id: str
    signature: str = Field(description="Ed25519 签名，base64")
    published: bool = Field(True, description="是否为当时发布的树头（否：应请求为较早规模新签）")


class KeyOut(Schema):
    """The fund's log key."""

    origin: str
    algorithm: str
    public_key: str = Field(description="Ed25519 公钥（32 字节），base64")
    key_id: str


class LeafOut(Schema):
    """An entry as a leaf: leaf_hash = SHA-256(0x00 ‖ UTF-8 bytes of data)."""

    entry_id: int
    index: int
    data: str = Field(description="被哈希的记录原文（规范 JSON）")
    leaf_hash: str


class InclusionOut(Schema):
    """The audit path of one leaf against the signed head of ``head.size``."""

    leaf: LeafOut
    proof: list[str]
    head: HeadOut


class ConsistencyOut(Schema):
    """The proof that the log at ``second`` extends the log at ``first``, with both signed heads."""

    first: int
    second: int
    proof: list[str]
    first_head: HeadOut
    second_head: HeadOut


class HeadListOut(Schema):
    """Published heads, newest first."""

    heads: list[HeadOut]
    next_before: int | None = Field(None, description="下一页：?before=此值")


class ErrorOut(Schema):
    detail: str | list | dict


def _head_or_404(size):
    head = selectors.head_at(size)
    if head is None:
        raise HttpError(404, f"日志目前只有 {selectors.log_size()} 条，没有规模为 {size} 的树头。")
    return head


def _latest_size():
    return selectors.log_size()


@log_api.get("/key", response=KeyOut, summary="基金的日志公钥")
def log_key(request):
    return {"origin": settings.LEDGER_LOG_ORIGIN, "algorithm": "Ed25519", "public_key": public_key_b64(),
            "key_id": current_key_id()}


@log_api.get("/head", response={200: HeadOut, 404: ErrorOut}, summary="最新签名树头")
def log_head(request):
    head = selectors.latest_head()
    if head is None:
        raise HttpError(404, "日志还没有任何记录。")
    return {**selectors.head_json(head), "published": True}


@log_api.get("/heads", response=HeadListOut, summary="已发布的签名树头（新在前）")
def log_heads(request, before: Annotated[int | None, Query(ge=1, le=MAX_SIZE + 1)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100):
    heads = selectors.published_heads(before=before, limit=limit + 1)
    more = len(heads) > limit
    heads = heads[:limit]
    return {"heads": [{**selectors.head_json(h), "published": True} for h in heads],
            "next_before": heads[-1].size if more else None}


@log_api.get("/heads/{size}", response={200: HeadOut, 404: ErrorOut}, summary="某一规模的签名树头")
def log_head_at(request, size: Size):
    return _head_or_404(size)


@log_api.get("/entries/{entry_id}", response={200: LeafOut, 404: ErrorOut}, summary="一条记录作为叶子")
def log_entry(request, entry_id: EntryId):
    leaf = selectors.entry_leaf(entry_id) if entry_id <= _latest_size() else None
    if leaf is None:
        raise HttpError(404, f"日志中没有第 {entry_id} 条记录。")
    return {"entry_id": entry_id, **leaf}


@log_api.get("/proof/inclusion", response={200: InclusionOut, 404: ErrorOut, 422: ErrorOut},
             summary="包含证明：某条记录在某一规模的日志中")
def log_inclusion(request, entry: EntryId, size: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None):
    latest = _latest_size()
    size = latest if size is None else size
    if size > latest:
        raise HttpError(404, f"日志目前只有 {latest} 条，没有规模为 {size} 的树。")
    if entry > size:
        raise HttpError(422, f"第 {entry} 条记录不在规模为 {size} 的日志中（规模须不小于记录序号）。")
    body = selectors.inclusion_body(entry, size)
    if body is None:
        raise HttpError(404, f"日志中没有第 {entry} 条记录。")
    return body


@log_api.get("/proof/consistency", response={200: ConsistencyOut, 404: ErrorOut, 422: ErrorOut},
             summary="一致性证明：较大规模的日志是较小规模日志的延续")
def log_consistency(request, first: Size, second: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None):
    latest = _latest_size()
    second = latest if second is None else second
    if second > latest:
        raise HttpError(404, f"日志目前只有 {latest} 条，没有规模为 {second} 的树。")
    if first > second:
        raise HttpError(422, f"first（{first}）不能大于 second（{second}）。")
    return selectors.consistency_body(first, second)


# --- witnesses and their cosignatures ---------------------------------------------------------------

COSIGNATURE_MAX_BYTES = 4096  # a cosignature is about 300 bytes of JSON
COSIGNATURE_RATE = (60, 60)  # per client address: a witness posts once a run, a run every few minutes


class CosignatureIn(Schema):
    """A witness's cosignature of a published head (ledger/witness.py cosign --post sends it)."""

    witness_key_id: Annotated[CleanStr, Field(max_length=16, description="见证方公钥编号（16 位十六进制）")]
    size: Annotated[int, Field(ge=0, le=MAX_SIZE)]
    root_hash: Annotated[CleanStr, Field(max_length=64)]
    timestamp: Annotated[CleanStr, Field(max_length=20, description="树头签署时间，YYYY-MM-DDTHH:MM:SSZ")]
    cosigned_at: Annotated[CleanStr, Field(max_length=20, description="联署时间（UTC），YYYY-MM-DDTHH:MM:SSZ")]
    signature: Annotated[CleanStr, Field(max_length=100, description="见证方对 cosignature_message 的 Ed25519 签名，base64")]


class CosignatureOut(Schema):
    """A stored cosignature: verify_log.cosignature_message(witness_name, cosigned_at, head) signed by the witness."""

    witness_name: str
    witness_key_id: str
    size: int
    root_hash: str
    timestamp: str
    cosigned_at: str
    signature: str
    received_at: str


class CosignatureListOut(Schema):
    size: int
    cosignatures: list[CosignatureOut]


class WitnessOut(Schema):
    """A witness registered by the fund, with the public key its cosignatures verify with."""

    name: str
    key_id: str
    public_key: str = Field(description="Ed25519 公钥（32 字节），base64")
    description: str
    active: bool
    latest: CosignatureOut | None = Field(None, description="它联署过的最大规模的树头")


class WitnessListOut(Schema):
    witnesses: list[WitnessOut]


def _client_address(request) -> str:
    # As the site's other limits count: REMOTE_ADDR, or the address TRUSTED_PROXY_HOPS proxies back wrote.
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if hops > 0 and len(entries) >= hops:
        return entries[-hops][:64]
    return request.META.get("REMOTE_ADDR", "")


def _over_rate(request) -> bool:
    limit, seconds = COSIGNATURE_RATE
    key = f"ledger-cosign:{_client_address(request)}:{int(time.time() // seconds)}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the window expired between the two calls
        cache.add(key, 1, timeout=seconds + 1)
        return False


def cosignature_guard(view):
    """Refuse an oversized body (413), a non-JSON one (415) or a flood (429) before the body is parsed."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > COSIGNATURE_MAX_BYTES:
            return JsonResponse({"detail": f"请求正文过大（最多 {COSIGNATURE_MAX_BYTES} 字节）。"}, status=413)
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return JsonResponse({"detail": "请求须为 JSON（Content-Type: application/json）。"}, status=415)
        if _over_rate(request):
            return JsonResponse({"detail": "提交过于频繁，请稍后再试。"}, status=429)
        if len(request.body) > COSIGNATURE_MAX_BYTES:
            return JsonResponse({"detail": f"请求正文过大（最多 {COSIGNATURE_MAX_BYTES} 字节）。"}, status=413)
        # Parsed here first so that a broken body gets a Chinese answer, not the framework's English one.
        try:
            parsed = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return JsonResponse({"detail": "请求正文不是有效的 JSON（UTF-8）。"}, status=400)
        if not isinstance(parsed, dict):
            return JsonResponse({"detail": "请求正文应为 JSON 对象。"}, status=400)
        return view(request, *args, **kwargs)

    return guarded


@log_api.post(
    "/cosignatures",
    response={200: CosignatureOut, 201: CosignatureOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
              413: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="见证方提交联署（201 新收下；200 同一联署重复提交）",
)
@decorate_view(cosignature_guard)
def cosignature_post(request, payload: CosignatureIn):
    try:
        record, created = services.cosignature_record(**payload.dict())
    except services.CosignatureRefused as refused:
        return Status(refused.status, {"detail": refused.messages[0]})
    return Status(201 if created else 200, selectors.cosignature_json(record))


@log_api.get("/heads/{size}/cosignatures", response={200: CosignatureListOut, 404: ErrorOut},
             summary="某一规模的已发布树头的见证联署")
def head_cosignatures(request, size: Size):
    if not selectors.head_published(size):
        raise HttpError(404, f"本站没有发布过规模为 {size} 的树头。")
    return {"size": size, "cosignatures": selectors.head_cosignatures(size)}


@log_api.get("/witnesses", response=WitnessListOut, summary="基金登记的见证方及其公钥")
def witnesses(request):
    return {"witnesses": selectors.witnesses_overview()}
