"""A tool's answer as text for the model, cut to a size the context can take.

MCP results are content blocks. Text is kept as it is; an image or audio block becomes a line
naming its type and size (a local text model cannot use the bytes); a resource becomes its text
or its URI; a result with only ``structured_content`` is that JSON. The whole is cut to
``max_chars`` with a note saying how long it was, so a 50 MB answer costs the model a few
thousand tokens, not its context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import mcp_types

__all__ = ["ToolOutcome", "outcome_of"]


@dataclass(frozen=True)
class ToolOutcome:
    """What a call returned: the text for the model, whether the tool reported an error, and
    the full length when the text was cut."""

    text: str
    is_error: bool
    full_chars: int | None = None


def _block_text(block: mcp_types.ContentBlock) -> str:
    match block:
        case mcp_types.TextContent():
            return block.text
        case mcp_types.ImageContent() | mcp_types.AudioContent():
            kind = "image" if isinstance(block, mcp_types.ImageContent) else "audio"
            return f"[{kind} {block.mime_type}, {len(block.data) * 3 // 4:,} bytes, not shown]"
        case mcp_types.ResourceLink():
            return f"[resource {block.uri}]"
        case mcp_types.EmbeddedResource():
            contents = block.resource
            if isinstance(contents, mcp_types.TextResourceContents):
                return contents.text
            return f"[resource {contents.uri}, binary, not shown]"
    return f"[{type(block).__name__}]"  # a block type newer than this code


def outcome_of(result: mcp_types.CallToolResult, max_chars: int) -> ToolOutcome:
    """``result`` as text of at most ``max_chars`` characters (plus the note when cut)."""
    parts = [_block_text(block) for block in result.content]
    if not parts and result.structured_content is not None:
        parts = [json.dumps(result.structured_content, ensure_ascii=False)]
    text = "\n".join(parts)
    is_error = bool(result.is_error)
    if len(text) <= max_chars:
        return ToolOutcome(text, is_error)
    note = (
        f"\n[truncated: the result was {len(text):,} characters; "
        f"only the first {max_chars:,} are shown]"
    )
    return ToolOutcome(text[:max_chars] + note, is_error, full_chars=len(text))
