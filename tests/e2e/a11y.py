"""axe-core in the browser tests: the vendored copy, checked against its published hash, run inside the page.

The file is evaluated through the browser's debugging protocol, which the page's Content-Security-Policy does not
govern, so the site's strict CSP stays on while axe runs.
"""

import base64
import hashlib
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SHA256 = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="  # axe-core 4.14.1, from its sri-history.json
SERIOUS = {"serious", "critical"}


def axe_source() -> str:
    data = AXE.read_bytes()
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert digest == AXE_SHA256, "tests/e2e/vendor/axe.min.js is not the axe-core release it says it is"
    return data.decode()


def axe_violations(page) -> list[dict]:
    """Every WCAG 2.x A/AA and best-practice violation axe finds on the page as it stands."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    return result


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in SERIOUS]
