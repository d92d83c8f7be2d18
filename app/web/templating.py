"""Jinja2 templates of the pages, escaped by default and translated with gettext.

Templates call ``_("...")`` (and ``ngettext``) through Jinja2's i18n extension in its
"newstyle" form: variables are passed as keywords (``_("%(n)s of %(total)s", n=7, total=12)``)
and escaped. The catalogue is the one of the request's language, looked up per call from the
template's ``request``, so one environment serves every language at once.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from app.services.invitations import aware
from app.web.language import LANGUAGES, N_, choose_language, translations
from assessment.i18n import localizer

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
NOTICES = {
    "signed_out": N_("You are signed out."),
    "saved": N_("Saved."),
    "twinning_started": N_("The twinning is started: it is planned until you move it on."),
    "round_created": N_("The round was created in draft. Add invitation links, then open it."),
    "stakeholder_added": N_("The stakeholder was added."),
    "revoked": N_("The link was revoked: it no longer opens the questionnaire."),
    "opened": N_("Rating is open: stakeholders can use their links now."),
    "closed": N_("Rating is closed. The workshop can now agree the scores."),
    "reopened": N_("Rating is open again."),
    "published": N_("The profile is published."),
    "submitted": N_("Thank you: your answers are submitted."),
    "withdrawn": N_("Your submission is withdrawn: change your answers, then submit again."),
    "reviewed": N_("The review of the pair is saved."),
    "run_created": N_("A new assignment run was computed. Review its pairs below."),
}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translator(context["request"]).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return translator(context["request"]).ngettext(singular, plural, n)


def translator(request: Request) -> gettext.NullTranslations:
    return translations(language_of(request))


def language_of(request: Request) -> str:
    language = getattr(request.state, "language", None)
    if language is None:  # an error page rendered before the page's dependencies ran
        language = request.state.language = choose_language(request)
    return str(language)


def _when(value: datetime | None) -> str:
    """A timestamp as the pages show it: UTC, to the minute, unambiguous in every language."""
    if value is None:
        return ""
    return aware(value).strftime("%Y-%m-%d %H:%M UTC")


@jinja2.pass_context
def _number(
    context: jinja2.runtime.Context, value: float | None, digits: int = 1, fixed: bool = False
) -> str:
    """A number written the reader's way (``2,5`` in Swedish), a dash when there is none;
    ``fixed``: always ``digits`` decimals (scores ranked side by side: 0.60 above 0.57)."""
    words = localizer(language_of(context["request"]))
    return words.format_number(value, digits, "\u2013", fixed=fixed)


@jinja2.pass_context
def _percent(context: jinja2.runtime.Context, share: float | None) -> str:
    if share is None:
        return "\u2013"
    return localizer(language_of(context["request"])).format_percent(share)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    env.globals["LANGUAGES"] = LANGUAGES
    return env


templates = Jinja2Templates(env=_environment())


def page_context(request: Request) -> dict[str, Any]:
    """What every page's layout needs: the viewer, the language, the form token, where the
    language links lead back to."""
    from app.web.security import presession_token

    viewer = getattr(request.state, "viewer", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "viewer": viewer,
        "lang": language_of(request),
        "csrf_token": viewer.csrf_token if viewer is not None else presession_token(request),
        "here": here,
        "path_for": request.app.url_path_for,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
    }


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page; private (``no-store``: the back button after sign-out shows nothing stale)."""
    from app.web.security import remember_presession

    response = templates.TemplateResponse(
        request, name, {**page_context(request), **(context or {})}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    remember_presession(request, response)
    return response
