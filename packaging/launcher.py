"""The packaged app's entry point: PyInstaller freezes this script into ``llamadesk``."""

import sys

from backend.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
