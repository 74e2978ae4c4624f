"""Answer generators behind one interface (see base.py): extractive (default) and OpenAI-compatible LLMs."""
