"""Force every library we use into offline, no-telemetry mode.

Party offices are often air-gapped, and a library that *tries* the network
hangs for its timeout or leaks that a query happened. The variables must be
set before huggingface_hub, transformers, gradio or chromadb are imported,
so every entry point (CLI, server, evaluation) calls :func:`enforce_offline`
first thing.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Set the offline/telemetry variables (overriding any inherited value)."""
    os.environ.update(OFFLINE_ENV)
