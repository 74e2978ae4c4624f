"""FastAPI dependencies: the app's shared state, the authenticated user, the settings and the service.

Routes declare what they need (``UserDep``, ``ServiceDep`` …) instead of
reaching into globals, so every route authenticates the same way and the
access audit (ui/middleware.py) learns who made each request from here.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rag.settings import Settings
from ui.audit import AuditLog
from ui.auth import User, UserStore, is_loopback, open_mode_user
from ui.conversations import ConversationStore
from ui.service import TrolyService

_COLLECTION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_bearer = HTTPBearer(auto_error=False, description="API key from `troly users add`.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `troly users add`.")


class AppState:
    """What the app shares between requests: settings, users, audit log, one service per collection."""

    def __init__(self, settings: Settings, service: TrolyService | None = None) -> None:
        self.settings = settings
        self.users = UserStore.for_data_dir(settings.data_dir)
        self.audit = service.audit if service is not None else AuditLog.for_settings(settings)
        self.services: dict[str, TrolyService] = {settings.collection: service or TrolyService(settings, self.audit)}
        self.conversations = ConversationStore()
        """The web UI's chat histories, per logged-in user (never per Gradio session alone)."""

    def service(self, collection: str | None = None) -> TrolyService:
        name = collection or self.settings.collection
        if name not in self.services:
            if not _COLLECTION_RE.match(name):
                raise HTTPException(422, f"collection {name!r}: use letters, digits, _ or -")
            other = self.settings.model_copy(update={"collection": name})
            if not other.collection_dir.exists():
                raise HTTPException(404, f"no collection {name!r}")
            self.services[name] = TrolyService(other, self.audit)
        return self.services[name]

    def user_for(self, request: Request, key: str | None) -> User:
        """The caller, or 401. Open mode (no users) serves loopback clients as the local user."""
        if self.users.has_users():
            user = self.users.authenticate(key)
            if user is None:
                raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
            return user
        host = request.client.host if request.client else None
        if not is_loopback(host):
            raise HTTPException(401, "no users are configured: open mode serves loopback clients only")
        return open_mode_user(self.settings.open_role, self.settings.open_clearance)


def get_state(request: Request) -> AppState:
    return request.app.state.troly


def get_settings(state: Annotated[AppState, Depends(get_state)]) -> Settings:
    return state.settings


def _key(bearer: HTTPAuthorizationCredentials | None, api_key: str | None) -> str | None:
    return bearer.credentials if bearer else api_key


def current_user(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> User:
    """The authenticated caller (401 otherwise); its name is left on the request for the access audit."""
    user = state.user_for(request, _key(bearer, api_key))
    request.state.troly_user = user.name
    return user


def optional_user(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> User | None:
    """The caller when a valid key was sent (or open mode applies), else None – for public endpoints."""
    try:
        return current_user(request, state, bearer, api_key)
    except HTTPException:
        return None


def default_service(state: Annotated[AppState, Depends(get_state)]) -> TrolyService:
    return state.service()


UserDep = Annotated[User, Depends(current_user)]
OptionalUserDep = Annotated[User | None, Depends(optional_user)]
StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[TrolyService, Depends(default_service)]
