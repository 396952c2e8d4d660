"""Write one section of docs/performance.md, leaving the others as they are."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = "# Performance\n\nFigures measured on this project's machine kind (2 cores). Each section says the command that produced it.\n"


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section ``## name`` with ``body``."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    section = f"## {name}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")
