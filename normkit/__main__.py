import sys

from normkit.cli.main import main

sys.exit(main())
