"""The one service below every shell: users and clearance (auth), the audit log, the background pool and
``TrolyService`` (service/troly.py), which the CLI, the REST API, the Gradio UI and the benchmarks all call.

Kept free of imports so ``troly --help`` and ``troly users`` load only what they use.
"""
