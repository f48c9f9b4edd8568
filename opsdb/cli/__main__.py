"""`python -m opsdb.cli`: the same as the `opsdb` console script."""

import sys

from opsdb.cli import main

sys.exit(main())
