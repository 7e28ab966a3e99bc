import sys

from pixtralogist.cli import main

sys.exit(main())
