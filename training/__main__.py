"""`python -m training`: the training CLI."""
import sys

from .train import main

sys.exit(main())
