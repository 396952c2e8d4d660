"""Settings for the whole suite."""

from __future__ import annotations

import os

from hypothesis import settings

# Locally each run explores new examples (and replays failures from .hypothesis/); in CI the same
# commit always draws the same examples, so a red build is reproducible and never a coin toss.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
