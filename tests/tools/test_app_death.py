"""A stdio MCP server dies with the app, even when the app is killed with SIGKILL.

The server is ``stubborn`` (it ignores SIGTERM and outlives the end of its stdin), so only
``PR_SET_PDEATHSIG`` can take it down when the app is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from tests.tools.conftest import SERVER_SCRIPT, START_TIMEOUT_S
from tests.waiting import wait_until

_APP = textwrap.dedent(
    """
    import sys, anyio
    from pathlib import Path
    from backend.config import ToolsSettings
    from backend.contract import ToolServerSpec
    from backend.secrets import SecretStore
    from backend.tools import ServerStore, ToolManager

    async def main() -> None:
        home = Path(sys.argv[1])
        secrets = SecretStore(home / "s.json", "t", use_keyring=False)
        store = ServerStore(home / "tools.json", secrets)
        limits = ToolsSettings(start_timeout_s=60)
        async with ToolManager(store, lambda: limits, lambda _s: None) as manager:
            spec = ToolServerSpec(
                name="s", transport="stdio", command=sys.executable, args=[sys.argv[2], "stubborn"]
            )
            info = await manager.add(spec)
            await manager.tools(info.id)
            print("ready", flush=True)
            await anyio.sleep_forever()

    anyio.run(main)
    """
)


def test_sigkill_of_the_app_takes_its_stdio_servers_along(tmp_path: Path) -> None:
    app = subprocess.Popen(
        [sys.executable, "-c", _APP, str(tmp_path), str(SERVER_SCRIPT)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ},
    )
    assert app.stdout is not None
    try:
        assert app.stdout.readline() == b"ready\n"
        children = psutil.Process(app.pid).children()
        assert len(children) == 1
        server = children[0]
        assert "mcp_server.py" in " ".join(server.cmdline())
        app.send_signal(signal.SIGKILL)
        app.wait(10)
        wait_until(
            lambda: not server.is_running() or server.status() == psutil.STATUS_ZOMBIE,
            timeout_s=START_TIMEOUT_S,
        )
    finally:
        app.kill()
        app.wait(10)
        app.stdout.close()
