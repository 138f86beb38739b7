"""The tools offered with an answer, and a model's call checked against them before anyone is asked.

An answer offers the tools of every enabled, ready server whose rules do not deny them, under the
tool's own name, or ``<server>__<tool>`` when two servers offer the same name (function names
must be unique and match ``[A-Za-z0-9_-]{1,64}``). Whether to offer any is the chat template's
call: ``/props`` → ``chat_template_caps`` says ``supports_tools`` (SmolLM2's own template: no,
and the server would silently leave them out of the prompt) and ``supports_parallel_tool_calls``.

A call the model makes is resolved to its server and tool and its arguments are checked: JSON
text, an object, and valid against the tool's ``inputSchema`` (JSON Schema, with the validator
the schema's ``$schema`` names, draft 2020-12 by default). A call that fails any of these is
``invalid`` and never reaches the user or the server; its result tells the model what was wrong
so it can try again.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from ..contract import ToolCallInfo, ToolInfo
from ..llama import ToolCall

__all__ = ["ToolOffer", "template_caps"]

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def template_caps(props: Mapping[str, Any]) -> tuple[bool | None, bool]:
    """(supports_tools, supports_parallel_tool_calls) of a ``/props`` answer; None: not said."""
    caps = props.get("chat_template_caps")
    caps = caps if isinstance(caps, dict) else {}
    tools = caps.get("supports_tools")
    return (tools if isinstance(tools, bool) else None), caps.get(
        "supports_parallel_tool_calls"
    ) is True


def _function_names(tools: Sequence[ToolInfo]) -> list[str]:
    counts = Counter(tool.name for tool in tools)
    names = []
    for tool in tools:
        name = tool.name if counts[tool.name] == 1 else f"{tool.server_id}__{tool.name}"
        names.append(_NAME_CHARS.sub("_", name)[:64])
    return names


@dataclass
class ToolOffer:
    """The tools offered with one answer's requests, by the function name the model sees."""

    tools: dict[str, ToolInfo]
    server_names: dict[str, str]
    parallel: bool = False
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls, tools: Sequence[ToolInfo], server_names: Mapping[str, str], *, parallel: bool
    ) -> ToolOffer:
        """An offer of ``tools``; ``parallel`` asks for parallel calls (the template can)."""
        return cls(
            dict(zip(_function_names(tools), tools, strict=True)), dict(server_names), parallel
        )

    def params(self) -> dict[str, Any]:
        """The request fields that offer the tools."""
        body: dict[str, Any] = {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": name,
                        "description": tool.description,
                        "parameters": tool.input_schema or {"type": "object", "properties": {}},
                    },
                }
                for name, tool in self.tools.items()
            ]
        }
        if self.parallel:
            body["parallel_tool_calls"] = True
        return body

    def resolve(self, call: ToolCall, index: int) -> tuple[ToolCallInfo, dict[str, Any] | None]:
        """The call as the page sees it, and its arguments; None (and ``invalid``) when the tool
        is unknown or the arguments do not fit its schema."""
        call_id = call.id or f"call_{index}"
        tool = self.tools.get(call.name)
        if tool is None:
            offered = ", ".join(self.tools) or "none"
            return _invalid(
                call_id, call, f"there is no tool named {call.name!r} (tools: {offered})"
            ), None
        info = ToolCallInfo(
            id=call_id,
            name=call.name,
            arguments=call.arguments,
            server_id=tool.server_id,
            server_name=self.server_names.get(tool.server_id, tool.server_id),
            tool=tool.name,
        )
        arguments, problem = self._check(call.name, tool, call.arguments)
        if problem is not None:
            return _invalid(call_id, call, problem, info), None
        return info, arguments

    def _check(
        self, name: str, tool: ToolInfo, text: str
    ) -> tuple[dict[str, Any] | None, str | None]:
        try:
            arguments = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            return None, f"the arguments are not valid JSON ({exc.msg} at character {exc.pos})"
        if not isinstance(arguments, dict):
            return None, "the arguments must be a JSON object"
        error = best_match(self._validator(name, tool).iter_errors(arguments))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "the arguments"
            return (
                None,
                f"the arguments do not match the tool's schema: {error.message} (at {where})",
            )
        return arguments, None

    def _validator(self, name: str, tool: ToolInfo) -> Any:
        if name not in self._validators:
            schema = tool.input_schema or {}
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )
            try:
                cls.check_schema(schema)
                self._validators[name] = cls(schema)
            except jsonschema.SchemaError:  # the server's own schema is broken: let it judge
                self._validators[name] = cls({})
        return self._validators[name]


def _invalid(
    call_id: str, call: ToolCall, problem: str, info: ToolCallInfo | None = None
) -> ToolCallInfo:
    base = info or ToolCallInfo(id=call_id, name=call.name, arguments=call.arguments)
    return base.model_copy(
        update={
            "state": "invalid",
            "result": f"Error: {problem}. The call was not run.",
            "is_error": True,
        }
    )
