"""Ledger models; import from here."""

from ledger.models.entries import ChainHead, EntryKind, LedgerEntry, LedgerImmutableError

__all__ = ["ChainHead", "EntryKind", "LedgerEntry", "LedgerImmutableError"]
