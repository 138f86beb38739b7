"""The Markdown export, for reading: each conversation's active branch.

The title as a heading, then each message under a role heading, its attachments as a list of
names (with type, size and the pages sent), reasoning and each tool call (arguments and
result) in a ``<details>`` block, and under each answer who wrote it (provider and model) with
the failover note when another provider finished it.
"""

from __future__ import annotations

from ..contract import ToolCallInfo
from ._parts import PartStore, StoredPart
from ._records import MessageRecord
from ._store import ConversationStore

__all__ = ["export_markdown"]


def export_markdown(store: ConversationStore, branches: dict[str, list[MessageRecord]]) -> str:
    """Markdown for these conversations (id to active branch, root first)."""
    parts = []
    files = PartStore(store).parts(m.id for branch in branches.values() for m in branch)
    for conversation_id, branch in branches.items():
        record = store.get_conversation(conversation_id)
        lines = [f"# {record.title}", "", f"*{record.created_at}*", ""]
        if record.system_prompt:
            lines += ["## System", "", record.system_prompt, ""]
        for message in branch:
            lines += [f"## {message.role.capitalize()}", ""]
            if message.reasoning:
                lines += [
                    "<details><summary>Reasoning</summary>",
                    "",
                    message.reasoning,
                    "",
                    "</details>",
                    "",
                ]
            lines += _markdown_files(files.get(message.id, []))
            lines += [message.content, ""]
            lines += _markdown_calls(message.tool_calls)
            lines += _markdown_writer(message)
            if message.status != "complete":
                lines += [
                    f"*({message.status}{': ' + message.error if message.error else ''})*",
                    "",
                ]
        parts.append("\n".join(lines))
    return "\n---\n\n".join(parts)


def _markdown_writer(message: MessageRecord) -> list[str]:
    who = " · ".join(part for part in (message.provider_name, message.model) if part)
    if message.role != "assistant" or not who:
        return []
    lines = [f"*Written by {who}*", ""]
    if message.failover:
        lines += [f"*{message.failover}*", ""]
    return lines


def _markdown_files(parts: list[StoredPart]) -> list[str]:
    if not parts:
        return []
    lines = ["Attachments:", ""]
    for part in parts:
        view = part.view()
        pages = ""
        if view.page_count is not None:
            first, last = view.first_page or 1, view.last_page or view.page_count
            pages = f", pages {first}-{last} of {view.page_count}"
        lines.append(f"- 📎 {part.name} ({view.mime_type}, {view.size:,} bytes{pages})")
    return [*lines, ""]


def _markdown_calls(calls: tuple[ToolCallInfo, ...]) -> list[str]:
    lines = []
    for call in calls:
        where = f" on {call.server_name}" if call.server_name else ""
        lines += [f"<details><summary>Tool call: {call.name}{where} ({call.state})</summary>", ""]
        lines += ["```json", call.arguments, "```", "", call.result or "", "", "</details>", ""]
    return lines
