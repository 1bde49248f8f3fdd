"""Changing the ledger; one module per family, re-exported here so callers import from ledger.services."""

from ledger.services.entries import *  # noqa: F403
from ledger.services.log import *  # noqa: F403
from ledger.services.sequencer import *  # noqa: F403
from ledger.services.vouchers import *  # noqa: F403
from ledger.services.witnesses import *  # noqa: F403
