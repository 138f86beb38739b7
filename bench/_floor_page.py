"""The least a web page can do to show the stream: ``bench_inference_share``'s ``floor`` row.

One plain page in the same headless Chromium (``_chromium``) asks llama-server itself (the
``alone`` server, over CORS) for the same answer and puts the text so far into one paragraph
at the app's update rate (a timer of ``flush_ms`` from the first token after each update): no
app, no framework, no markdown. Its ratio to ``alone`` is what any browser page showing the
stream at that rate costs the model on this machine; what the app's page costs beyond it is
the app's own.

A small HTTP server of the bench's process serves the page, hands it each "go" and takes its
result, so nothing drives the browser while the answer streams.
"""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _chromium import HeadlessChromium

__all__ = ["FloorPage"]

_PAGE = """<!doctype html><html><body style="font:15px sans-serif;max-width:760px;margin:auto">
<p id="out" style="white-space:pre-wrap"></p><script>
const config = %s;
const out = document.getElementById('out');
async function answer() {
  out.textContent = '';
  const response = await fetch(config.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + config.key },
    body: JSON.stringify(config.body)
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '', text = '', timings = null, timer = 0, updates = 0;
  const update = () => { timer = 0; out.textContent = text; updates += 1; };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (buffer + value).split('\\n');
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('data: {')) continue;
      const chunk = JSON.parse(line.slice(6));
      timings = chunk.timings || timings;
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta.content;
      if (delta) { text += delta; timer = timer || setTimeout(update, config.flush_ms); }
    }
  }
  if (timer) { clearTimeout(timer); update(); }
  return { timings, updates };
}
(async () => {
  while ((await (await fetch('/go')).text()) === 'go') {
    const result = await answer();
    await fetch('/result', { method: 'POST', body: JSON.stringify(result) });
  }
})();
</script></body></html>"""


class FloorPage:
    """The plain page, open in its own headless Chromium, answering on :meth:`answer`."""

    def __init__(self, url: str, key: str, body: dict[str, Any], flush_ms: int) -> None:
        page = _PAGE % json.dumps({"url": url, "key": key, "body": body, "flush_ms": flush_ms})
        self._go: queue.Queue[str] = queue.Queue()
        self._results: queue.Queue[dict[str, Any]] = queue.Queue()
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", 0), _handler(page.encode(), self._go, self._results)
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.browser = HeadlessChromium(f"http://127.0.0.1:{self._server.server_address[1]}/")

    def answer(self) -> dict[str, Any]:
        """One answer in the page: llama-server's ``timings`` and the page's updates."""
        self._go.put("go")
        return self._results.get(timeout=900)

    def stop(self) -> None:
        self._go.put("stop")
        self.browser.stop()
        self._server.shutdown()
        self._server.server_close()


def _handler(
    page: bytes, go: queue.Queue[str], results: queue.Queue[dict[str, Any]]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the bench prints its own table."""

        def do_GET(self) -> None:
            # the page's /go waits here until the bench asks for an answer
            self._send(go.get().encode() if self.path == "/go" else page)

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            results.put(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
