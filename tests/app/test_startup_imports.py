"""The window's start path stays light: what is imported before the window opens.

The window opens while the services start on a helper thread (``app._runtime``); that only
pays if the modules the window needs do not pull in the service stack's heavy dependencies:
the MCP SDK alone is most of the start-up's CPU time, gguf brings numpy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mcp", "mcp_types", "gguf", "numpy")

_PROBE = """
import json, sys
import backend._cli
from backend.app import run_app
print(json.dumps(sorted(sys.modules)))
"""


def test_the_modules_before_the_window_import_no_mcp_gguf_or_numpy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == [], "import these in the services (app._services), not on the window's path"
    assert "backend.app._services" not in loaded
