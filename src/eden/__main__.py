"""`python -m eden` runs the CLI (the same as the `eden` command)."""

import sys

from eden.cli import main

sys.exit(main())
