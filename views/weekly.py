"""Weekly review: the report of a week, a month or dates for the sidebar's scope, in the
app's language; a preview, and the HTML and PDF to download."""

import datetime as dt

import streamlit as st

from analytics import weekly
from analytics.i18n import t
from analytics.weekly import period as periods
from analytics.weekly import words
from analytics.weekly.pdf import load as pdf_engine
from ui import cache, context, url
from ui.markdown import markdown_escape

WEEKS, MONTHS = 104, 24  # the choices reach back two years (within the data)
PREVIEW_HEIGHT = 1400

ctx = context.current()
lang, f = ctx.lang, ctx.filters
st.title(t("weekly.page.title", lang))
st.caption(t("weekly.page.intro", lang))

bounds = cache.data_range(ctx.version)
if bounds is None:
    st.info(t("weekly.page.no_data", lang))
    st.stop()
first, last = bounds
cache.ensure_followup(ctx.version)  # the report counts follow-up items, as that page does

left, right = st.columns([1, 2])
kind = url.choice(
    left.segmented_control,
    t("weekly.page.kind", lang),
    periods.KINDS,
    "report_kind",
    lambda k: t(f"weekly.page.kind.{k}", lang),
)
if kind == "week":  # default: the last complete week in the data
    weeks = {p.code: p for p in periods.weeks_up_to(last, WEEKS) if p.end >= first}
    code = url.choice(
        right.selectbox,
        t("weekly.page.week", lang),
        tuple(weeks),
        "report_week",
        lambda c: f"{weeks[c].name(lang)} · {weeks[c].dates(lang)}",
    )
    period = weeks[code]
elif kind == "month":
    months = {p.code: p for p in periods.months_up_to(last, MONTHS) if p.end >= first}
    code = url.choice(
        right.selectbox,
        t("weekly.page.month", lang),
        tuple(months),
        "report_month",
        lambda c: months[c].name(lang),
    )
    period = months[code]
else:
    default = periods.last_complete_week(last)
    chosen = right.date_input(
        t("weekly.page.dates", lang),
        value=(max(default.start, first), min(default.end, last)),
        min_value=first,
        max_value=last,
        format="DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD",
        key="report_dates",
    )
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2):
        st.info(t("weekly.page.bad_range", lang))
        st.stop()
    start, end = chosen
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    period = weekly.custom(start, end)

st.caption(
    t("weekly.meta.dates", lang, dates=period.dates(lang), previous=period.previous_dates(lang))
)
st.caption(markdown_escape(words.scope(f, lang)))  # the sidebar's filters (data values)
key = (
    ctx.version,
    cache.followup_version(),
    f,
    period,
    lang,
    cache.targets(),
    tuple(cache.meaningful().items()),
)
with st.spinner(t("weekly.page.building", lang)):
    review = cache.weekly_review(*key)
page = weekly.html(review)

html_col, pdf_col = st.columns(2)
html_col.download_button(
    t("weekly.page.download_html", lang),
    page,
    file_name=f"pulso-review-{period.code}.html",
    mime="text/html",
    icon=":material/description:",
    on_click="ignore",
)
week_code = period.code if period.kind == "week" else periods.last_complete_week(last).code
st.caption(t("weekly.page.cli", lang, week=week_code, language=lang))

st.subheader(t("weekly.page.preview", lang))
# An iframe keeps the report's CSS off the app; its text is escaped and it has no script.
st.iframe(page, height=PREVIEW_HEIGHT)

# Last: the first view in a process imports WeasyPrint to know whether the PDF can be
# made (0.5-0.8 s); the preview above is on screen meanwhile, the button fills its column.
try:
    pdf_engine()  # WeasyPrint and its system libraries: the PDF is made on click
except weekly.PdfUnavailable as exc:
    detail = str(exc).replace("\n", "  \n")  # one line per install command
    pdf_col.error(t("weekly.page.pdf_error", lang, error=detail), icon=":material/error:")
else:
    pdf_col.download_button(
        t("weekly.page.download_pdf", lang),
        lambda: weekly.pdf(review),  # 1-2 s that a reader who only looks does not wait
        file_name=f"pulso-review-{period.code}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
