"""``python -m mockserver``: the same as ``coherta-mock``."""

import sys

from mockserver.cli import main

sys.exit(main())
