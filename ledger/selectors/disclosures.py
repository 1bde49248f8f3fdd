"""Signed heads for disclosures: the head a figure set was computed at, and proofs between two of them.

A disclosure computed from the ledger names the signed tree head it was computed at, so a reader
can check later that the entries it counted are still exactly those the fund signed.
"""

from ledger.models import TreeHead
from ledger.selectors.log import consistency_body, head_at, head_json, log_root, log_size
from ledger.verify_log import head_problems

__all__ = ["consistency_json", "disclosure_head", "pinned_head_problems"]


def disclosure_head(size: int | None = None) -> dict | None:
    """The signed head a disclosure is computed at: the latest published one, or the one at ``size``.

    None when the log is empty or ``size`` is past it.
    """
    if size is None:
        latest = TreeHead.objects.order_by("-size").first()
        return {**head_json(latest), "published": True} if latest is not None else None
    return head_at(size)


# A disclosure's proof is the API's answer, built in one place.
consistency_json = consistency_body


def pinned_head_problems(pinned: dict) -> list[str]:
    """Why a head a disclosure pinned no longer stands (Chinese, for the page); empty when it does.

    The pin must carry a valid signature by the fund's key, and the log must still hold that size
    with that root, both as recomputed from its stored nodes and as its published head. A root
    that differs at the same size means the history the disclosure counted was rewritten.
    """
    from ledger.signing import public_key_bytes

    problems = []
    if head_problems(pinned, public_key_bytes()):
        problems.append("锁定的树头签名无法用基金公钥核验：锁定记录可能被改动过。")
    size = pinned["size"]
    if size > log_size():
        problems.append(f"日志目前不足 {size} 条：锁定时的记录已不在日志中。")
        return problems
    if log_root(size).hex() != pinned["root_hash"]:
        problems.append(f"日志前 {size} 条的根哈希与锁定的不一致：报告所依据的账本历史被改写了。")
    published = TreeHead.objects.filter(size=size).values_list("root_hash", flat=True).first()
    if published is not None and published != pinned["root_hash"]:
        problems.append(f"日志为规模 {size} 发布的树头与锁定的根哈希不同：同一规模出现了两个树头。")
    return problems
