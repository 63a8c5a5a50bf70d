"""`python -m askshot` runs the same entry point as the `askshot` script."""

import sys

from askshot.main import main

sys.exit(main())
