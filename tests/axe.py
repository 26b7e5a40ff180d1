"""axe-core, the accessibility checker, run by Playwright inside a page of the real browser.

axe-core comes from the npm registry, pinned, into a cache folder outside the package (`.ci/run`
runs `npm pack axe-core@<AXE_VERSION>` into `.cache/axe-core/`); `$AXE_CORE_JS` may name another
copy of `axe.min.js`. Tests that need it skip, with the reason, where the file is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AXE_VERSION = "4.14.1"  # the version .ci/run fetches
AXE_JS = Path(os.environ.get("AXE_CORE_JS")
              or ROOT / ".cache" / "axe-core" / "package" / "axe.min.js")
# The rules axe runs: WCAG 2.x A and AA, and its best practices (heading order, landmarks…).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_source() -> str:
    """axe-core's script, or a skip of the calling test naming what to run."""
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core is absent ({AXE_JS}): run .ci/run, or `npm pack "
                    f"axe-core@{AXE_VERSION}` into .cache/axe-core/ and untar it there")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe-core's violations on the page as loaded: each rule broken, with its nodes.

    The page's context must allow scripts and bypass the CSP (`java_script_enabled=True,
    bypass_csp=True`): the site has no script of its own and forbids any."""
    page.add_script_tag(content=axe_source())
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))", TAGS)
    return found


def describe(found: list[dict]) -> str:
    """Violations in a few readable lines, for an assertion message."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"][:5])
                     for v in found)
