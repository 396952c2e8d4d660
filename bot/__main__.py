"""Run ``python -m bot`` as ``etownbot``."""

import sys

from bot.cli import main

sys.exit(main())
