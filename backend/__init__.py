"""LlamaDesk's backend: supervises llama-server and serves the chat UI through pywebview.

Packages, from the page inwards: ``bridge`` (commands and events), ``app`` (wiring, window),
``chat`` (orchestrator, slots, conversation store), ``llama`` (the llama-server HTTP adapter),
``server`` (launcher and monitor), ``engine`` (getting a llama-server binary), ``config``
(settings), ``models`` (the model catalogue). ``errors`` and ``contract`` are shared by all;
``child_env`` gives every program the app starts its environment.
"""

__version__ = "0.1.0"
