import sys

from advocacy.cli import main

sys.exit(main())
