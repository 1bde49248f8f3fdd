"""The Merkle transparency log over the ledger: stored subtree hashes and the signed tree heads."""

from django.db import models

from ledger.models.guards import AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401 (re-exported)


class LogNode(AppendOnlyModel):
    """The hash of one complete subtree: leaves [index·2^level, (index+1)·2^level).

    Every complete subtree is kept (about two rows per entry), so a root or proof for any
    tree size is a few lookups by key (see ledger/merkle.py).
    """

    key = models.BigIntegerField(primary_key=True)  # level << 48 | index
    hash = models.BinaryField(max_length=32)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = "日志节点"
        default_permissions = ()

    def __str__(self):
        return f"{self.key >> 48}/{self.key & ((1 << 48) - 1)}"


class TreeHead(AppendOnlyModel):
    """A signed statement: the log's first ``size`` entries have this root hash.

    One head per size, ever: two different roots for one size would be a split view.
    """

    size = models.BigIntegerField("条目数", unique=True)
    root_hash = models.CharField("根哈希", max_length=64)
    timestamp = models.DateTimeField("签署时间")
    origin = models.CharField("日志名称", max_length=100)
    key_id = models.CharField("公钥编号", max_length=16)
    signature = models.CharField("签名", max_length=100)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = "签名树头"
        verbose_name_plural = "签名树头"
        ordering = ["-size"]
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=0), name="ledger_treehead_size")]

    def __str__(self):
        return f"{self.size} {self.root_hash[:12]}"
