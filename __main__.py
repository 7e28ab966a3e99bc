import sys

from pixtralogist.core.cli import main

sys.exit(main())
