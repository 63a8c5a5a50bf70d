"""`python -m app` runs the same entry point as the `askshot` script."""

import sys

from app.main import main

sys.exit(main())
