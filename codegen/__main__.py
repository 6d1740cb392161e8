"""`python -m codegen` entry point."""

import sys

from codegen.cli import main

sys.exit(main())
