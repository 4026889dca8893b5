"""``python -m checks``: the same as the ``checks`` command."""

from __future__ import annotations

import sys

from checks.cli import main

sys.exit(main())
