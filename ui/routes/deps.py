"""FastAPI dependencies: the app's shared state, the authenticated user, the settings and the service.

Routes declare what they need (``UserDep``, ``ServiceDep`` …) instead of
reaching into globals, so every route authenticates the same way and the
access audit (ui/middleware.py) learns who made each request from here.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rag.settings import Settings
from service.audit import AuditLog
from service.auth import LoginThrottle, User, UserStore, is_loopback, open_mode_user
from service.troly import TrolyService
from ui.conversations import ConversationStore
from ui.ui_files import UiUploads

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
        self.throttle = LoginThrottle()
        """Failed logins and bad API keys, per address and per user name."""
        self.ui_files = UiUploads(settings.data_dir / "tmp" / "gradio")
        """Files uploaded through the web UI, each usable only by the user who uploaded it."""
        self.services[settings.collection].clean_staging()
        self.gradio_app: Any = None
        """The mounted Gradio app (set by ui.gradio_app.mount_ui): its login tokens name the UI's users."""

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
        """The caller, or 401. Open mode (no users) serves loopback clients as the local user.

        A client address that sent too many wrong keys waits (429) before its next key is even checked.
        """
        if self.users.has_users():
            address = request.client.host if request.client else "?"
            wait = self.throttle.wait(address)
            if wait > 0:
                raise throttled(self.audit, address, "", wait)
            user = self.users.authenticate(key)
            if user is None:
                if key:
                    self.throttle.failed(address)
                raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
            return user
        host = request.client.host if request.client else None
        if not is_loopback(host):
            raise HTTPException(401, "no users are configured: open mode serves loopback clients only")
        return open_mode_user(self.settings.open_role, self.settings.open_clearance)

    def ui_user(self, request: Request) -> User | None:
        """The web UI's caller: the Gradio login cookie when users exist, else the loopback open-mode user."""
        if not self.users.has_users():
            host = request.client.host if request.client else None
            return open_mode_user(self.settings.open_role, self.settings.open_clearance) if is_loopback(host) else None
        app = self.gradio_app
        if app is None:
            return None
        for name in (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}"):
            username = app.tokens.get(request.cookies.get(name))
            if username:
                return self.users.get(username)
        return None


def throttled(audit: AuditLog, address: str, user: str, wait: float) -> HTTPException:
    """429 with Retry-After, and an audit line naming the address (and the user name tried, for logins)."""
    seconds = max(1, math.ceil(wait))
    audit.record(user or "anonymous", "auth_throttled", channel="api", address=address, wait_s=seconds, status=429)
    return HTTPException(
        429,
        f"Quá nhiều lần đăng nhập hoặc khoá API sai từ địa chỉ này: hãy thử lại sau {seconds} giây.",
        headers={"Retry-After": str(seconds)},
    )


async def get_state(request: Request) -> AppState:
    return request.app.state.troly


async def get_settings(state: Annotated[AppState, Depends(get_state)]) -> Settings:
    return state.settings


def _key(bearer: HTTPAuthorizationCredentials | None, api_key: str | None) -> str | None:
    return bearer.credentials if bearer else api_key


async def current_user(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> User:
    """The authenticated caller (401 otherwise); its name is left on the request for the access audit."""
    user = state.user_for(request, _key(bearer, api_key))
    request.state.troly_user = user.name
    return user


async def optional_user(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> User | None:
    """The caller when a valid key was sent (or open mode applies), else None – for public endpoints."""
    try:
        return await current_user(request, state, bearer, api_key)
    except HTTPException:
        return None


def default_service(state: Annotated[AppState, Depends(get_state)]) -> TrolyService:
    return state.service()


UserDep = Annotated[User, Depends(current_user)]
OptionalUserDep = Annotated[User | None, Depends(optional_user)]
StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[TrolyService, Depends(default_service)]
