"""The ways people reach troly: the CLI, the FastAPI service and the Gradio UI."""
