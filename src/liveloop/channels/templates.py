"""Personalisation: message bodies are Jinja2 templates rendered in a sandbox.

Operators write templates in the console, so a template is untrusted code. Jinja2's
``SandboxedEnvironment`` refuses attribute access that could reach Python internals
(``__class__``, ``__globals__``, ``mro`` …) and calls of unsafe callables; ``StrictUndefined``
turns a missing variable into an error instead of an empty string in a customer's message.
Autoescaping is off: the output is plain text (SMS, WeCom text, mail text), never HTML.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from liveloop.errors import DomainError

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
MAX_BODY = 2000


class TemplateInvalid(DomainError):
    """A template does not parse (422 at the API)."""

    status = 422


class RenderError(DomainError):
    """A template could not be rendered with the given variables (missing, or unsafe)."""

    status = 422


def check(source: str, what: str = "body") -> None:
    """Parse ``source``; raise ``TemplateInvalid`` with the line and Jinja's reason."""
    try:
        _env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(f"{what}: line {exc.lineno}: {exc.message}") from None


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    """Compiling is most of a render's cost; templates are few and reused for every person."""
    return _env.from_string(source)


def render(source: str, variables: dict[str, Any], what: str = "body") -> str:
    try:
        text = _compiled(source).render(**variables)
    except SecurityError as exc:
        raise RenderError(f"{what}: blocked by the template sandbox: {exc}") from None
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(f"{what}: line {exc.lineno}: {exc.message}") from None
    except TemplateError as exc:
        raise RenderError(f"{what}: {exc.message or type(exc).__name__}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise RenderError(f"{what}: {type(exc).__name__}: {exc}") from None
    if len(text) > MAX_BODY:
        raise RenderError(f"{what}: rendered text is {len(text)} characters; at most {MAX_BODY}")
    return text
