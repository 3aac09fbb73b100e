"""Template hygiene that a rendered page would otherwise show to its reader."""

import re
from pathlib import Path

import concierge

# Django's {# ... #} comment ends at the end of its line: one that runs on prints its text on the page.
OPEN_COMMENT = re.compile(r"\{#(?![^\n]*#\})")


def test_no_template_has_a_comment_that_runs_past_its_line():
    root = Path(concierge.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(root.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in OPEN_COMMENT.finditer(text)
    ]
    assert offenders == [], "use {% comment %} for comments of more than one line"
