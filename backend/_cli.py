"""``python -m backend``: the app window, browser mode, and maintenance subcommands.

python -m backend                      open the window on the built SPA
python -m backend --dev URL            open the window on a dev server (hot reload)
python -m backend --browser            serve the SPA and the commands over HTTP instead
python -m backend --browser --host ADDR --allow-network [--tls-cert FILE --tls-key FILE]
                                       ... reachable from other machines (warns; HTTPS)
python -m backend --set engine.port=8080 ...   override settings for this run
python -m backend engine --info|--build|--prepare [--portable]
python -m backend worker --host H --port P   run an RPC worker for another machine's LlamaDesk
python -m backend --version            the app's, engine's and model's versions
python -m backend config --show|--path|--defaults
python -m backend contract             print the bridge contract as JSON schema
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._startup_dialog import report_startup_error
from .bridge import contract_schema
from .config import ConfigService, default_form, format_paths, format_show
from .engine import (
    DEFAULT_MODEL,
    ENGINE_SOURCE,
    WORKER_NAME,
    build_engine,
    build_portable_engine,
    ensure_default_model,
    extract_chat_templates,
    format_engine_info,
    locate_engine,
    locate_worker,
    portable_binary,
    verify_engine,
)
from .errors import EngineError, LlamaDeskError
from .paths import AppPaths, bundle_dir

__all__ = ["main"]


def _parse_override(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--set takes KEY=VALUE, got {text!r}")
    try:
        value: object = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def version_line() -> str:
    """``--version``: the app, the pinned engine source and the default model."""
    return (
        f"LlamaDesk {__version__}\n"
        f"engine: llama.cpp from {ENGINE_SOURCE.requirement}\n"
        f"default model: SmolLM2-135M-Instruct from {DEFAULT_MODEL.requirement}"
    )


def _parser() -> argparse.ArgumentParser:
    prog = "llamadesk" if bundle_dir() is not None else "python -m backend"
    parser = argparse.ArgumentParser(
        prog=prog,
        description="LlamaDesk: chat with local LLMs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument("--dev", metavar="URL", help="load the page from a dev server")
    parser.add_argument("--browser", action="store_true", help="serve over HTTP, no window")
    parser.add_argument("--host", default="127.0.0.1", help="browser mode: address to bind")
    parser.add_argument("--port", type=int, default=0, help="browser mode: port (0 = free)")
    parser.add_argument(
        "--allow-network",
        action="store_true",
        help="browser mode: allow a --host that other machines can reach",
    )
    parser.add_argument(
        "--tls-cert", type=Path, metavar="FILE", help="browser mode: serve HTTPS with this PEM"
    )
    parser.add_argument(
        "--tls-key", type=Path, metavar="FILE", help="browser mode: the certificate's PEM key"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        type=_parse_override,
        default=[],
        metavar="KEY=VALUE",
        help="override a setting for this run, e.g. engine.context_size=8192",
    )
    parser.add_argument(
        "--self-test", metavar="PROMPT", help="type PROMPT, wait for the answer, exit"
    )
    parser.add_argument("--self-test-dir", type=Path, default=Path(), help=argparse.SUPPRESS)
    parser.add_argument("--self-test-timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    parser.add_argument("--self-test-idle", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true", help="open the web inspector")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    engine = sub.add_parser("engine", help="the llama-server binary")
    group = engine.add_mutually_exclusive_group(required=True)
    group.add_argument("--info", action="store_true", help="which binary is used, and its version")
    group.add_argument("--build", action="store_true", help="build it from the pinned source")
    group.add_argument("--prepare", action="store_true", help="build it and fetch the model")
    engine.add_argument(
        "--portable",
        action="store_true",
        help="the portable build the package ships (CPU variants picked at run time)",
    )
    config = sub.add_parser("config", help="the settings")
    group = config.add_mutually_exclusive_group(required=True)
    group.add_argument("--show", action="store_true", help="effective values and their sources")
    group.add_argument("--path", action="store_true", help="where settings files are")
    group.add_argument(
        "--defaults", action="store_true", help="the settings form's schema and defaults (JSON)"
    )
    sub.add_parser("contract", help="print the bridge contract (JSON schema)")
    worker = sub.add_parser(
        "worker", help="run an RPC worker here for another machine's LlamaDesk to use"
    )
    worker.add_argument("--host", default="127.0.0.1", help="address to listen on")
    worker.add_argument("--port", type=int, default=50052, help="port to listen on")
    worker.add_argument("--threads", type=int, default=0, help="CPU threads (0: all)")
    return parser


def _engine(args: argparse.Namespace, paths: AppPaths) -> int:
    def progress(line: str) -> None:
        print(line, flush=True)

    build = build_portable_engine if args.portable else build_engine
    if args.build or args.prepare:
        build(paths.engine_cache, progress)
    if args.prepare:
        ensure_default_model(paths.model_cache)
        if not args.portable:
            progress(f"chat templates: {extract_chat_templates(paths.engine_cache)}")
    if args.portable:
        binary = verify_engine(_built_portable(paths), "cache")
    else:
        configured = ConfigService(paths).settings.engine.server_binary
        binary = locate_engine(configured, paths.engine_cache)
    print(format_engine_info(binary))
    return 0


def _built_portable(paths: AppPaths) -> Path:
    path = portable_binary(paths.engine_cache)
    if not path.exists():
        raise EngineError(
            "The portable llama-server is not built yet.",
            detail="Build it with `python -m backend engine --build --portable` "
            "(or `python build.py package --portable`).",
        )
    return path


def _worker(args: argparse.Namespace, paths: AppPaths) -> int:
    from .rpc import run_worker  # noqa: PLC0415 - only this command needs it

    configured = ConfigService(paths).settings.engine.server_binary
    engine = locate_engine(configured, paths.engine_cache)
    binary = locate_worker(engine.path)
    if binary is None:
        raise EngineError(
            f"No {WORKER_NAME} beside {engine.path}.",
            detail="Build the engine with RPC: `python -m backend engine --build`.",
        )
    return run_worker(binary, args.host, args.port, args.threads)


def _config(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.path:
        sys.stdout.write(format_paths(paths))
        return 0
    if args.defaults:
        print(json.dumps(default_form(), indent=2))
        return 0
    service = ConfigService(paths, cli=dict(args.overrides))
    sys.stdout.write(format_show(service.view()))
    for warning in service.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _contract() -> int:
    from .app import COMMANDS  # noqa: PLC0415 - the commands are read off the app's handlers

    print(json.dumps(contract_schema(COMMANDS), indent=2, sort_keys=True))
    return 0


def _app(args: argparse.Namespace, paths: AppPaths) -> int:
    from .app import BrowserOptions, SelfTestOptions, run_app  # noqa: PLC0415 - the GUI stack loads only here

    browser = BrowserOptions(
        host=args.host,
        port=args.port,
        allow_network=args.allow_network,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    return run_app(
        paths,
        overrides=dict(args.overrides),
        dev_url=args.dev,
        browser=browser if args.browser else None,
        self_test=SelfTestOptions(
            args.self_test, args.self_test_dir, args.self_test_timeout, args.self_test_idle
        )
        if args.self_test
        else None,
        debug=args.debug,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors print one readable line and exit 1.

    In the packaged app with no terminal, the error is also logged and shown in a dialog.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.browser and (args.allow_network or args.tls_cert or args.tls_key):
        parser.error("--allow-network, --tls-cert and --tls-key go with --browser")
    paths = AppPaths.from_env()
    try:
        if args.command == "contract":
            return _contract()
        commands = {"engine": _engine, "config": _config, "worker": _worker}
        return commands.get(args.command, _app)(args, paths)
    except LlamaDeskError as exc:
        report_startup_error(exc, paths)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
