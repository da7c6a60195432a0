"""Settings page, where alerts go (not a page: ``views/settings.py`` imports it): the
mail server, with a test e-mail, and the webhooks, each with a test message.

The password is never asked for here nor shown: the page says where it comes from
(the environment or Streamlit's secrets file), or how to give it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from analytics.alerts import channels, messages, smtp, webhooks
from analytics.alerts.channels import FORMATS, SECURITIES, Smtp, Webhook
from analytics.alerts.checks import Invalid, Problem, email_ok
from analytics.alerts.smtp import SendError
from analytics.i18n import LANGS, Lang, t
from ui import cache
from ui.context import LANG_NAMES, Context

_DEFAULT = Smtp(host="", sender="")


def render(ctx: Context) -> None:
    lang = ctx.lang
    shown = st.session_state.pop("alerts_channel_flash", None)
    if shown is not None:
        st.success(shown, icon=":material/check_circle:")
    _smtp(lang)
    st.divider()
    _webhooks(lang)


def _problems(problems: list[Problem], lang: Lang) -> None:
    st.error(
        t("alerts.not_saved", lang) + "\n\n" + "\n".join(f"- {p.text(lang)}" for p in problems),
        icon=":material/error:",
    )


def _password_source(config: Smtp | None, lang: Lang) -> str:
    login = channels.credentials(config)
    if login.source == "env":
        return t("alerts.smtp.password.env", lang, var=channels.PASSWORD_ENV)
    if login.source == "secrets":
        return t("alerts.smtp.password.secrets", lang, path=login.path or "")
    return t("alerts.smtp.password.none", lang, var=channels.PASSWORD_ENV)


def _smtp(lang: Lang) -> None:
    st.subheader(t("alerts.smtp.title", lang))
    store = cache.store()
    config = channels.read_smtp(store)
    current = config or _DEFAULT
    st.caption(t("alerts.smtp.intro", lang))
    st.info(_password_source(config, lang), icon=":material/key:")
    with st.form("alerts_smtp"):
        left, right = st.columns([3, 1])
        host = left.text_input(t("alerts.smtp.host", lang), current.host, key="alerts_smtp_host")
        port = right.number_input(
            t("alerts.smtp.port", lang), 1, 65535, current.port, step=1, key="alerts_smtp_port"
        )
        security = st.selectbox(
            t("alerts.smtp.security", lang),
            SECURITIES,
            index=SECURITIES.index(current.security),
            format_func=lambda s: t(f"alerts.smtp.security.{s}", lang),
            key="alerts_smtp_security",
        )
        user = st.text_input(
            t("alerts.smtp.user", lang), current.user, help=t("alerts.smtp.user_help", lang),
            key="alerts_smtp_user",
        )  # fmt: skip
        sender = st.text_input(
            t("alerts.smtp.sender", lang), current.sender, key="alerts_smtp_sender"
        )
        timeout = st.number_input(
            t("alerts.smtp.timeout", lang), 1.0, channels.MAX_TIMEOUT, float(current.timeout),
            step=5.0, format="%.0f", key="alerts_smtp_timeout",
        )  # fmt: skip
        saved = st.form_submit_button(t("alerts.save", lang), icon=":material/save:")
    if saved:
        candidate = Smtp(host, sender, int(port), security, user, float(timeout))
        try:
            channels.save_smtp(store, candidate)
        except Invalid as exc:
            _problems(exc.problems, lang)
        else:
            st.session_state["alerts_channel_flash"] = t("alerts.smtp.saved", lang)
            st.rerun()
    _smtp_test(config, lang)


def _smtp_test(config: Smtp | None, lang: Lang) -> None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    to = left.text_input(t("alerts.test.to", lang), key="alerts_smtp_test_to")
    if not right.button(t("alerts.test.email", lang), icon=":material/outgoing_mail:",
                        key="alerts_smtp_test"):  # fmt: skip
        return
    if config is None:
        st.error(t("alerts.test.no_smtp", lang), icon=":material/error:")
    elif not email_ok(to.strip()):
        st.error(t("alerts.error.email", lang, address=to), icon=":material/error:")
    else:
        with st.spinner(t("alerts.test.sending", lang)):
            _try(lambda: smtp.send(config, channels.credentials(config), to.strip(),
                                   messages.test_message(lang)), to.strip(), lang)  # fmt: skip


def _try(send: Callable[[], None], to: str, lang: Lang) -> None:
    try:
        send()
    except SendError as exc:
        st.error(t("alerts.test.failed", lang, error=str(exc)), icon=":material/error:")
    else:
        st.success(t("alerts.test.sent", lang, to=to), icon=":material/check_circle:")


def _webhooks(lang: Lang) -> None:
    st.subheader(t("alerts.hooks.title", lang))
    st.caption(t("alerts.hooks.intro", lang))
    store = cache.store()
    hooks = channels.webhooks(store)
    if not hooks:
        st.info(t("alerts.hooks.empty", lang), icon=":material/webhook:")
    for hook in hooks:
        _hook_row(hook, lang)
    with st.form("alerts_hook_add", clear_on_submit=False):
        st.markdown(f"**{t('alerts.hooks.add', lang)}**")
        left, mid, right = st.columns([2, 1, 1])
        name = left.text_input(t("alerts.hooks.name", lang), key="alerts_hook_name")
        fmt = mid.selectbox(
            t("alerts.hooks.format", lang), FORMATS,
            format_func=lambda f: t(f"alerts.channel.{f}", lang), key="alerts_hook_format",
        )  # fmt: skip
        hook_lang = right.selectbox(  # the channel's language: the admin's, unless changed
            t("alerts.hooks.lang", lang), LANGS, index=LANGS.index(lang),
            format_func=LANG_NAMES.__getitem__, key="alerts_hook_lang",
        )  # fmt: skip
        url = st.text_input(
            t("alerts.hooks.url", lang),
            help=t("alerts.hooks.url_help", lang),
            key="alerts_hook_url",
        )
        added = st.form_submit_button(t("alerts.hooks.save", lang), icon=":material/add:")
    if added:
        try:
            channels.save_webhook(store, Webhook(name, fmt, url, hook_lang))
        except Invalid as exc:
            _problems(exc.problems, lang)
        else:
            st.session_state["alerts_channel_flash"] = t(
                "alerts.hooks.saved", lang, name=name.strip()
            )
            st.rerun()


def _hook_row(hook: Webhook, lang: Lang) -> None:
    with st.container(border=True):
        info, test, drop = st.columns([4, 1, 1], vertical_alignment="center")
        info.markdown(
            f"**{hook.name}** · {t(f'alerts.channel.{hook.format}', lang)} · "
            f"{LANG_NAMES[hook.lang]}  \n`{hook.shown_url}`"
        )
        if test.button(t("alerts.test.button", lang), icon=":material/send:",
                       key=f"alerts_hook_test_{hook.name}"):  # fmt: skip
            body = webhooks.payload(hook.format, messages.test_message(hook.lang))
            with st.spinner(t("alerts.test.sending", lang)):
                _try(lambda: webhooks.post(hook.url, body), hook.name, lang)
        if drop.button(t("alerts.delete", lang), icon=":material/delete:",
                       key=f"alerts_hook_delete_{hook.name}"):  # fmt: skip
            try:
                channels.delete_webhook(cache.store(), hook.name)
            except Invalid as exc:
                st.error(exc.problems[0].text(lang), icon=":material/error:")
            else:
                st.session_state["alerts_channel_flash"] = t(
                    "alerts.hooks.deleted", lang, name=hook.name
                )
                st.rerun()
