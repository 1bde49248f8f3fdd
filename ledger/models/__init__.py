"""Ledger models; import from here."""

from ledger.models.entries import ChainHead, EntryKind, EntrySource, LedgerEntry, LedgerImmutableError
from ledger.models.log import LogNode, TreeHead
from ledger.models.pending import FlowRow, PendingEntry
from ledger.models.vouchers import FINANCE_GROUP, VOUCHER_COLLECTION, VoucherFrozenError, VoucherSeal
from ledger.models.witnesses import Cosignature, Witness

__all__ = [
    "FINANCE_GROUP", "VOUCHER_COLLECTION", "ChainHead", "Cosignature", "EntryKind", "EntrySource", "FlowRow",
    "LedgerEntry", "LedgerImmutableError", "LogNode", "PendingEntry", "TreeHead", "VoucherFrozenError", "VoucherSeal",
    "Witness",
]
