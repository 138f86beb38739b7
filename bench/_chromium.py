"""Headless Chromium as a user's browser: started with a page's URL, no driver attached.

``bench_inference_share`` drives the page with Playwright only to type the prompt and to read
what the page counted afterwards (``frontend/scripts/share-page.js`` connects over the DevTools
port for each and then lets go). While the answer streams nothing is attached: a connected
driver is sent an event for every chunk of every request the page reads, which costs the
browser and the driver CPU the page itself does not use.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["CHROMIUM", "HeadlessChromium"]

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--window-size=1200,820",
)


class HeadlessChromium:
    """One headless Chromium with its own profile, opened on ``url``, until :meth:`stop`."""

    def __init__(self, url: str, *, debugging: bool = False) -> None:
        self._profile = Path(tempfile.mkdtemp(prefix="llamadesk-bench-chromium-"))
        port = ["--remote-debugging-port=0"] if debugging else []
        command = [CHROMIUM, *FLAGS, *port, f"--user-data-dir={self._profile}", url]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.cdp_url = self._cdp_url() if debugging else None

    @property
    def pid(self) -> int:
        return self.process.pid

    def _cdp_url(self) -> str:
        """The DevTools endpoint Chromium wrote into its profile once it listened."""
        active = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not active.is_file() or not active.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("headless Chromium did not open its DevTools port")
            time.sleep(0.05)
        return f"http://127.0.0.1:{active.read_text().split()[0]}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(15)
        shutil.rmtree(self._profile, ignore_errors=True)
