"""Ledger models; import from here."""

from ledger.models.entries import ChainHead, EntryKind, EntrySource, LedgerEntry, LedgerImmutableError
from ledger.models.log import LogNode, TreeHead
from ledger.models.vouchers import FINANCE_GROUP, VOUCHER_COLLECTION, VoucherFrozenError, VoucherSeal
from ledger.models.witnesses import Cosignature, Witness

__all__ = [
    "FINANCE_GROUP", "VOUCHER_COLLECTION", "ChainHead", "EntryKind", "EntrySource", "LedgerEntry", "LedgerImmutableError",
    "LogNode", "TreeHead",
    "Cosignature", "Witness",
    "VoucherFrozenError", "VoucherSeal",
]
