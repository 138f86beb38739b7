"""llama-server echoes an assistant prefill at the start of the answer that continues it."""

from __future__ import annotations

__all__ = ["cut_echo"]


def cut_echo(content: str, echo: str) -> tuple[str, str]:
    """Remove the server's echo of a continued answer; returns (new content, echo still due)."""
    if content.startswith(echo):
        return content[len(echo) :], ""
    if echo.startswith(content):
        return "", echo[len(content) :]
    return content, ""
