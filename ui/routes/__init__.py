"""REST routes, one APIRouter per resource (documents, answers, talking points, ops).

Shared pieces live beside them: :mod:`ui.routes.deps` (auth, settings and the
service as FastAPI dependencies) and :mod:`ui.routes.models` (the typed
request/response models and the one conversion of each domain object to JSON).
"""
