"""Server set-up on disk with its secrets, rules, mcp.json in and out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.contract import ToolServerSpec
from backend.errors import Conflict, ImportFormatError, InvalidArgument, NotFound
from backend.secrets import SecretStore
from backend.tools import ServerStore, parse_mcp_json

MCP_JSON = {
    "mcpServers": {
        "files": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            "env": {"TOKEN": "abc"},
            "autoApprove": ["read_file"],
        },
        "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer x"}},
        "old": {"type": "sse", "url": "https://example.com/sse", "disabled": True},
    }
}


def file_store(tmp_path: Path) -> ServerStore:
    secrets = SecretStore(tmp_path / "secrets.json", "test", use_keyring=False)
    return ServerStore(tmp_path / "tools.json", secrets)


def test_servers_and_rules_survive_a_restart(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    server = store.add(ToolServerSpec(name="My Files!", transport="stdio", command="srv"))
    assert server.id == "My-Files"
    store.set_rule(server.id, None, "allow")
    store.set_rule(server.id, "delete", "deny")
    store.set_rule(server.id, "read", "ask")
    store.set_rule(server.id, "read", None)
    again = file_store(tmp_path).get(server.id)
    assert (again.rule, again.tool_rules) == ("allow", {"delete": "deny"})
    assert (again.rule_for("delete"), again.rule_for("other")) == ("deny", "allow")


def test_names_are_unique_and_unknown_ids_are_not_found(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    store.add(ToolServerSpec(name="a", transport="stdio", command="x"))
    with pytest.raises(Conflict, match="already a tool server named 'a'"):
        store.add(ToolServerSpec(name="a", transport="http", url="http://127.0.0.1/mcp"))
    with pytest.raises(NotFound):
        store.get("b")
    with pytest.raises(InvalidArgument, match="cannot be empty"):
        store.set_rule("a", None, None)


def test_a_null_secret_needs_a_stored_value(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    with pytest.raises(InvalidArgument, match="KEY has no stored value"):
        store.add(ToolServerSpec(name="a", transport="stdio", command="x", env={"KEY": None}))


def test_removing_a_server_forgets_its_secrets(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    server = store.add(ToolServerSpec(name="a", transport="stdio", command="x", env={"K": "v"}))
    assert json.loads((tmp_path / "secrets.json").read_text()) == {"a/env/K": "v"}
    store.remove(server.id)
    assert json.loads((tmp_path / "secrets.json").read_text()) == {}
    assert file_store(tmp_path).servers() == []


def test_a_broken_tools_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "tools.json").write_text("{not json")
    assert file_store(tmp_path).servers() == []
    assert [p.name.startswith("tools.json.bad-") for p in tmp_path.iterdir()].count(True) == 1


def test_mcp_json_import_reads_each_transport_and_ignores_other_apps_keys(
    tmp_path: Path,
) -> None:
    store = file_store(tmp_path)
    added = store.import_json(json.dumps(MCP_JSON))
    assert [(s.name, s.transport, s.enabled) for s in added] == [
        ("files", "stdio", True),
        ("remote", "http", True),
        ("old", "sse", False),
    ]
    assert store.secrets(added[0]).env == {"TOKEN": "abc"}
    assert store.secrets(added[1]).headers == {"Authorization": "Bearer x"}
    again = store.import_json(MCP_JSON)
    assert [s.name for s in again] == ["files-2", "remote-2", "old-2"]


def test_mcp_json_export_leaves_secret_values_out_and_reads_back(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    store.import_json(MCP_JSON)
    exported = store.export_json()
    assert "abc" not in exported
    assert "Bearer x" not in exported
    document = json.loads(exported)
    assert document["mcpServers"]["files"]["env"] == {"TOKEN": ""}
    assert document["mcpServers"]["old"] == {
        "type": "sse",
        "url": "https://example.com/sse",
        "disabled": True,
    }
    specs = parse_mcp_json(exported)
    assert [(s.name, s.transport) for s in specs] == [
        ("files", "stdio"),
        ("remote", "http"),
        ("old", "sse"),
    ]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"mcpServers": {"a": {"command": 5}}}, "mcpServers.a.command"),
        ({"mcpServers": {"a": {"args": ["x"]}}}, "mcpServers.a"),
        ({"mcpServers": {"a": {"type": "carrier-pigeon", "url": "http://x"}}}, "mcpServers.a.type"),
        ({"mcpServers": {"a": {"url": "ftp://x"}}}, "mcpServers.a.url"),
        ({"mcpServers": {"a": {"command": "x", "env": {"K": 1}}}}, "mcpServers.a.env.K"),
        ({"mcpServers": []}, "mcpServers"),
    ],
)
def test_a_bad_mcp_json_imports_nothing_and_names_the_field(
    tmp_path: Path, document: dict[str, object], field: str
) -> None:
    store = file_store(tmp_path)
    with pytest.raises(ImportFormatError) as caught:
        store.import_json({"mcpServers": {"good": {"command": "x"}}} | document)
    assert caught.value.fields[0].field == field
    assert store.servers() == []


def test_text_that_is_not_mcp_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="JSON"):
        file_store(tmp_path).import_json("{")
    with pytest.raises(ImportFormatError, match=r"not an mcp\.json file"):
        file_store(tmp_path).import_json('{"servers": {}}')


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "a", "transport": "stdio"},
        {"name": "a", "transport": "stdio", "command": "x", "url": "http://h/mcp"},
        {"name": "a", "transport": "http"},
        {"name": "a", "transport": "http", "url": "http://h/mcp", "env": {"K": "v"}},
        {"name": "a", "transport": "sse", "url": "file:///etc/passwd"},
        {"name": "", "transport": "stdio", "command": "x"},
        {"name": "a", "transport": "stdio", "command": "x", "extra": 1},
    ],
)
def test_specs_that_do_not_fit_their_transport_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ToolServerSpec.model_validate(spec)
