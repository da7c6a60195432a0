"""Sign-in and the session's actor: who acts, in which role, seeing which rows.

With ``[auth]`` in ``.streamlit/secrets.toml`` (OpenID Connect: Streamlit's
``st.login``), a visitor signs in first and then acts in the role their e-mail or one of
their groups is given (``[pulso.roles]`` in secrets, and the table admins edit on the
Settings page); one with no role is refused. Without ``[auth]`` (the local demo)
everyone is an admin, and every page says so.

The actor goes into the session (:data:`ui.cache.ACTOR_KEY`); :func:`ui.cache.store`
then hands every page a store bound to it, whose reads see only the actor's scope and
whose writes check the actor's role (:mod:`analytics.access`). Buttons a role cannot use
are disabled here as a courtesy; the engine refuses anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from analytics import access, replica
from analytics.access import Actor, Forbidden, Permission
from analytics.alerts.messages import scope_text as named_scope
from analytics.i18n import Lang, t
from ui import cache
from ui.markdown import markdown_escape


def configured() -> bool:
    """Is OpenID Connect sign-in set up (an ``[auth]`` section in secrets)?"""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _secrets_roles() -> Mapping[str, Any]:
    try:
        pulso = st.secrets.get("pulso", {})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}
    return pulso.get("roles", {}) if isinstance(pulso, Mapping) else {}


def file_grants() -> list[access.Grant]:
    """The grants of ``[pulso.roles]`` in secrets (the deployer's)."""
    return access.grants_from_config(_secrets_roles())


def grants() -> list[access.Grant]:
    """The secrets file's grants, then the store's (which win for the same principal)."""
    return [*file_grants(), *access.read_grants(cache.base_store())]


def sign_in(lang: Lang) -> Actor:
    """The session's actor (stored for :func:`ui.cache.store`); stops the run at the
    sign-in screen, or for a signed-in user with no role."""
    if not configured():
        actor = access.local_actor()
        key = "replica.open_access" if replica.is_replica() else "access.banner"
        st.warning(t(key, lang), icon=":material/lock_open:")
    else:
        actor = _signed_in(lang)
        _sidebar(actor, lang)
    st.session_state[cache.ACTOR_KEY] = actor
    return actor


def _signed_in(lang: Lang) -> Actor:
    if not st.user.is_logged_in:
        st.session_state.pop(cache.ACTOR_KEY, None)
        st.title(t("access.sign_in.title", lang))
        st.markdown(t("access.sign_in.text", lang))
        st.button(
            t("access.sign_in.button", lang),
            icon=":material/login:",
            type="primary",
            on_click=st.login,
            key="pulso_sign_in",
        )
        st.stop()
    email = str(st.user.get("email") or st.user.get("sub") or "")
    claim = st.user.get("groups")
    # a provider may send one group as a string: it is one group, not its letters
    groups = [claim] if isinstance(claim, str) else claim if isinstance(claim, list) else []
    found = access.resolve(email, [str(g) for g in groups], grants())
    if found is None:
        st.session_state.pop(cache.ACTOR_KEY, None)
        st.error(t("access.no_role", lang, user=email), icon=":material/block:")
        st.button(t("access.sign_out", lang), icon=":material/logout:", on_click=st.logout)
        st.stop()
    assert found is not None
    return found


def _sidebar(actor: Actor, lang: Lang) -> None:
    with st.sidebar:
        who = markdown_escape(actor.user)  # an address, not a mailto link
        st.caption(t("access.signed_in", lang, user=who, role=role_name(actor.role, lang)))
        if actor.scope:
            shown = markdown_escape(scope_text(actor.scope, lang))
            st.caption(t("access.scoped", lang, scope=shown))
        st.button(
            t("access.sign_out", lang), icon=":material/logout:", on_click=st.logout, key="out"
        )


def role_name(role: access.Role, lang: Lang) -> str:
    return t(f"access.role.{role}", lang)


def scope_text(scope: access.Scope, lang: Lang | None = None) -> str:
    """ "region: North"; with ``lang``, as the sidebar names it ("Region: North")."""
    if lang is not None:
        return named_scope(dict(scope), lang)
    return "; ".join(f"{d}: {', '.join(v)}" for d, v in scope)


def actor() -> Actor:
    """This session's actor (the local admin when sign-in is off)."""
    found = st.session_state.get(cache.ACTOR_KEY)
    return found if isinstance(found, Actor) else access.local_actor()


def can(permission: Permission) -> bool:
    return actor().can(permission)


def needs(permission: Permission, lang: Lang) -> bool:
    """True when the role allows ``permission``; else a caption saying which role does
    (pages disable the controls; the engine refuses anyway)."""
    if can(permission):
        return True
    if replica.is_replica():  # not a role's matter: nothing is written in a copy
        st.caption(t("access.replica_forbidden", lang))
        return False
    st.caption(
        t(
            "access.needs",
            lang,
            role=role_name(access.minimum_role(permission), lang),
            action=t(f"access.permission.{permission}", lang),
        ),
    )
    return False


def refused(exc: Forbidden, lang: Lang) -> None:
    st.error(markdown_escape(exc.message(lang)), icon=":material/block:")
