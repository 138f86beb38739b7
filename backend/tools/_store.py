"""The configured servers and their secrets, kept in step: ``ServerStore``.

Every change is saved at once (``tools.json``, then the secrets), and a secret is stored under
``<server id>/env/<NAME>`` or ``<server id>/header/<NAME>``. Names are unique, so an
``mcp.json`` export (keyed by name) and an import that never overwrites (a taken name becomes
``name-2``) both stay well defined.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..contract import ApprovalRule, ToolServerSpec
from ..errors import Conflict, InvalidArgument, NotFound
from ..secrets import SecretStore
from ._config import ServerConfig, load_servers, save_servers, unique_id
from ._mcpjson import format_mcp_json, parse_mcp_json

__all__ = ["ServerSecrets", "ServerStore"]

_Kind = Literal["env", "header"]


@dataclass(frozen=True)
class ServerSecrets:
    """A server's secret values: its environment and its HTTP headers."""

    env: dict[str, str]
    headers: dict[str, str]

    def values(self) -> list[str]:
        """Every value, to mask wherever a server's output is shown."""
        return [value for value in (*self.env.values(), *self.headers.values()) if value]


def _key(server_id: str, kind: _Kind, name: str) -> str:
    return f"{server_id}/{kind}/{name}"


class ServerStore:
    """The servers in ``tools.json`` with their secrets in a ``SecretStore``; thread-safe."""

    def __init__(self, file: Path, secrets: SecretStore) -> None:
        self._file = file
        self._secrets = secrets
        self._lock = threading.Lock()
        self._servers = {server.id: server for server in load_servers(file)}

    @property
    def secret_storage(self) -> str:
        """Where secrets are kept (the keyring's name or the file's path)."""
        return self._secrets.where

    def servers(self) -> list[ServerConfig]:
        """Every server, in the order they were added."""
        with self._lock:
            return list(self._servers.values())

    def get(self, server_id: str) -> ServerConfig:
        """One server; ``NotFound`` when there is none with that id."""
        with self._lock:
            server = self._servers.get(server_id)
        if server is None:
            raise NotFound(f"There is no tool server {server_id!r}.")
        return server

    def secrets(self, server: ServerConfig) -> ServerSecrets:
        """The stored values of a server's secrets (a missing one is the empty string)."""
        return ServerSecrets(
            env={
                name: self._secrets.get(_key(server.id, "env", name)) or ""
                for name in server.env_names
            },
            headers={
                name: self._secrets.get(_key(server.id, "header", name)) or ""
                for name in server.header_names
            },
        )

    def add(self, spec: ToolServerSpec) -> ServerConfig:
        """Store a new server; ``Conflict`` when its name is taken."""
        with self._lock:
            if any(server.name == spec.name for server in self._servers.values()):
                raise Conflict(f"There is already a tool server named {spec.name!r}.")
            server_id = unique_id(spec.name, set(self._servers))
            server = self._stored(server_id, spec, rule="ask", tool_rules={})
            self._servers[server_id] = server
            self._save()
        return server

    def update(self, server_id: str, spec: ToolServerSpec) -> ServerConfig:
        """Replace a server's set-up, keeping its id and rules (and secrets mapped to null)."""
        old = self.get(server_id)
        with self._lock:
            if any(s.name == spec.name and s.id != server_id for s in self._servers.values()):
                raise Conflict(f"There is already a tool server named {spec.name!r}.")
            server = self._stored(server_id, spec, rule=old.rule, tool_rules=old.tool_rules)
            self._servers[server_id] = server
            self._save()
        self._forget_secrets(old, keep=server)
        return server

    def remove(self, server_id: str) -> None:
        """Forget a server and its secrets."""
        old = self.get(server_id)
        with self._lock:
            del self._servers[server_id]
            self._save()
        self._forget_secrets(old, keep=None)

    def change(self, server_id: str, **changes: Any) -> ServerConfig:
        """Save ``enabled``, ``rule`` or ``tool_rules`` of a server."""
        with self._lock:
            server = self._servers.get(server_id)
            if server is None:
                raise NotFound(f"There is no tool server {server_id!r}.")
            server = ServerConfig.model_validate({**server.model_dump(), **changes})
            self._servers[server_id] = server
            self._save()
        return server

    def set_rule(self, server_id: str, tool: str | None, rule: ApprovalRule | None) -> ServerConfig:
        """The whole server's rule (``tool`` None), or one tool's (``rule`` None: inherit)."""
        server = self.get(server_id)
        if tool is None:
            if rule is None:
                raise InvalidArgument("A server's own rule cannot be empty: ask, allow or deny.")
            return self.change(server_id, rule=rule)
        tool_rules = {name: value for name, value in server.tool_rules.items() if name != tool}
        if rule is not None:
            tool_rules[tool] = rule
        return self.change(server_id, tool_rules=tool_rules)

    def import_json(self, data: str | dict[str, Any]) -> list[ServerConfig]:
        """Add every server of an ``mcp.json`` document (all or none are checked first)."""
        specs = parse_mcp_json(data)
        names = {server.name for server in self.servers()}
        added = []
        for spec in specs:
            name, counter = spec.name, 2
            while name in names:
                name, counter = f"{spec.name}-{counter}", counter + 1
            names.add(name)
            added.append(self.add(spec.model_copy(update={"name": name})))
        return added

    def export_json(self) -> str:
        """Every server as an ``mcp.json`` document, secret values left empty."""
        return format_mcp_json(self.servers())

    def _stored(
        self,
        server_id: str,
        spec: ToolServerSpec,
        *,
        rule: ApprovalRule,
        tool_rules: dict[str, ApprovalRule],
    ) -> ServerConfig:
        """The config for ``spec``; secrets given as strings are saved, null ones must exist."""
        for kind, given in (("env", spec.env), ("header", spec.headers)):
            for name, value in given.items():
                key = _key(server_id, kind, name)  # type: ignore[arg-type]
                if value is None and self._secrets.get(key) is None:
                    raise InvalidArgument(f"{name} has no stored value to keep; give one.")
        for kind, given in (("env", spec.env), ("header", spec.headers)):
            for name, value in given.items():
                if value is not None:
                    self._secrets.set(_key(server_id, kind, name), value)  # type: ignore[arg-type]
        return ServerConfig(
            id=server_id,
            name=spec.name,
            transport=spec.transport,
            command=spec.command,
            args=tuple(spec.args),
            cwd=spec.cwd,
            env_names=tuple(spec.env),
            url=spec.url,
            header_names=tuple(spec.headers),
            enabled=spec.enabled,
            rule=rule,
            tool_rules=tool_rules,
        )

    def _forget_secrets(self, old: ServerConfig, keep: ServerConfig | None) -> None:
        kept_env = set(keep.env_names) if keep else set()
        kept_headers = set(keep.header_names) if keep else set()
        for name in set(old.env_names) - kept_env:
            self._secrets.delete(_key(old.id, "env", name))
        for name in set(old.header_names) - kept_headers:
            self._secrets.delete(_key(old.id, "header", name))

    def _save(self) -> None:
        save_servers(self._file, list(self._servers.values()))
