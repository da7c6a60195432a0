"""What one browser session keeps between reruns, and who is using it.

Slow work (reading a file, checking it) is kept per session for the input on screen
(:func:`held`), so changing one widget does not redo it; :func:`forget` drops it once
it no longer holds (after a load).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

_V = TypeVar("_V")


def held(name: str, key: Hashable, make: Callable[[], _V]) -> _V:
    """``make()`` once per ``key`` for this session (one value per name)."""
    found = st.session_state.get(name)
    if found is not None and found[0] == key:
        return found[1]
    value = make()
    st.session_state[name] = (key, value)
    return value


def forget(*names: str) -> None:
    for name in names:
        st.session_state.pop(name, None)


def who() -> str | None:
    """The signed-in user, when sign-in is on (else the engine records the OS user)."""
    try:
        found = st.user.get("email") or st.user.get("name")
    except (AttributeError, KeyError):
        return None
    return str(found) if found else None
