"""The frozen program's entry: the same `main` as the `askshot` console script."""

import sys

from askshot.main import main

sys.exit(main())
