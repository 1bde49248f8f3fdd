"""Reading the ledger; one module per family, re-exported here so callers import from ledger.selectors."""

from ledger.selectors.chain import *  # noqa: F403
from ledger.selectors.disclosures import *  # noqa: F403
from ledger.selectors.figures import *  # noqa: F403
from ledger.selectors.gift_flow import *  # noqa: F403
from ledger.selectors.log import *  # noqa: F403
from ledger.selectors.ratios import *  # noqa: F403
from ledger.selectors.totals import *  # noqa: F403
from ledger.selectors.vouchers import *  # noqa: F403
from ledger.selectors.windows import *  # noqa: F403
from ledger.selectors.witnesses import *  # noqa: F403
