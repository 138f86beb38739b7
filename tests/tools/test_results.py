"""Tool results as capped text for the model."""

from __future__ import annotations

import mcp_types

from backend.tools import outcome_of


def _result(*content: mcp_types.ContentBlock, **extra: object) -> mcp_types.CallToolResult:
    return mcp_types.CallToolResult(content=list(content), **extra)


def test_text_image_and_resources_become_lines() -> None:
    outcome = outcome_of(
        _result(
            mcp_types.TextContent(type="text", text="hello"),
            mcp_types.ImageContent(type="image", data="AAAA", mime_type="image/png"),
            mcp_types.ResourceLink(type="resource_link", uri="file:///a.txt", name="a"),
            mcp_types.EmbeddedResource(
                type="resource",
                resource=mcp_types.TextResourceContents(uri="file:///b.txt", text="inside"),
            ),
        ),
        1000,
    )
    assert (
        outcome.text
        == "hello\n[image image/png, 3 bytes, not shown]\n[resource file:///a.txt]\ninside"
    )
    assert (outcome.is_error, outcome.full_chars) == (False, None)


def test_structured_content_alone_is_json_and_errors_are_marked() -> None:
    outcome = outcome_of(_result(structured_content={"n": 1}, is_error=True), 1000)
    assert (outcome.text, outcome.is_error) == ('{"n": 1}', True)


def test_a_long_result_is_cut_with_a_note() -> None:
    outcome = outcome_of(_result(mcp_types.TextContent(type="text", text="y" * 5000)), 100)
    assert outcome.text == "y" * 100 + (
        "\n[truncated: the result was 5,000 characters; only the first 100 are shown]"
    )
    assert outcome.full_chars == 5000
