"""The Jinja2 environment of one language: autoescape, StrictUndefined, gettext and Babel filters."""

from __future__ import annotations

import json
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import markupsafe
from babel import Locale
from babel.support import NullTranslations
from markupsafe import Markup

from generator import urls
from generator.errors import SitegenError, display_path, error
from generator.i18n import Formatter


def make_environment(site_root: Path, theme_dir: Path, locale: str, translations: NullTranslations,
                     base_url: str, bytecode: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """An environment whose templates come from the site's templates/ first, then the theme's (compiled
    code shared through `bytecode`, for environments made with the same arguments but the locale)."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(site_root / "templates")),
        jinja2.FileSystemLoader(str(theme_dir / "templates")),
    ])
    env = _Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False, cache_size=-1, bytecode_cache=bytecode,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    gettext = _remembering_gettext(getattr(translations, "ugettext", None) or translations.gettext)
    env.globals.update(gettext=gettext, _=gettext)
    fmt = Formatter(locale)
    env.filters.update(
        date=fmt.date, number=fmt.number, percent=fmt.percent, currency=fmt.currency, compact=fmt.compact,
        absurl=lambda url: urls.absolute(base_url, str(url)),
        json=_json, safe_url=lambda url: url if urls.is_safe(str(url)) else "#",
        language_name=lambda code: Locale.parse(str(code).replace("-", "_")).get_language_name(locale) or code,
    )
    return env


_DICT_ATTRIBUTES = frozenset(dir(dict))
# markupsafe 3's escaping (in C where built) without the Markup around the result (markupsafe 2 lacks it)
_escaped: Callable[[str], str] = getattr(markupsafe, "_escape_inner", None) or (lambda t: str(markupsafe.escape(t)))


def output(value: Any) -> str:
    """What `{{ value }}` writes under autoescape: markupsafe's `escape`, but a plain str, not a Markup made
    for each value (a copy of it, through a constructor written in Python) only to be joined into the page and
    dropped. Blocks, macros and `set` blocks still wrap what they join in Markup, as Jinja does."""
    if type(value) is str:
        return _escaped(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        safe: str = html()
        return safe
    return _escaped(str(value))


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with `output` where it writes `escape(` around each autoescaped value."""

    def visit_Template(self, node: jinja2.nodes.Template, frame: jinja2.compiler.Frame | None = None) -> None:
        self.writeline("from generator.templates import output as sitegen_output")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("sitegen_output(")
        else:
            super()._output_child_pre(node, frame, finalize)


class _Environment(jinja2.Environment):
    """Jinja's environment, where `value.name` on a plain dict skips the attribute lookup that can only fail
    (a dict's attributes are its methods): Jinja raises and catches an AttributeError for each such access,
    and templates read dicts (site, menu items, alternates, TOC entries) dozens of times a page; and whose
    templates write each autoescaped value through `output`."""

    code_generator_class = _CodeGenerator

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not Jinja's ChainMap over the environment's, which Jinja walks
        for every context it makes (each render and each include). make_environment sets every global
        before a template is loaded, so nothing is missed."""
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # (jinja2.Environment.getattr, inlined: templates read attributes hundreds of times a page)
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


def _remembering_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's newstyle gettext (the translation escaped, then always %-formatted), remembering the result
    for strings without variables: the same labels are on every page, and Jinja's version costs more
    than ten times a variable. It takes the evaluation context, not the whole context, which Jinja would
    copy for each call in a loop."""
    plain: dict[str, Markup] = {}

    @jinja2.pass_eval_context
    def gettext(eval_ctx: jinja2.nodes.EvalContext, string: str, **variables: Any) -> str:
        autoescape = eval_ctx.autoescape
        if autoescape and not variables:
            found = plain.get(string)
            if found is None:
                found = plain[string] = Markup(translate(string)) % variables
            return found
        text = translate(string)
        return (Markup(text) if autoescape else text) % variables

    return gettext


def _json(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json"> block, safe against `</script>` and friends."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def get_template(env: jinja2.Environment, names: list[str]) -> jinja2.Template:
    """The first of `names` that exists, or a located error."""
    try:
        return env.select_template(names)
    except jinja2.TemplateSyntaxError as exc:
        raise error(exc.filename or exc.name or "template", f"template error: {exc.message}",
                    exc.lineno, 1) from None
    except jinja2.TemplatesNotFound:
        raise error(names[0], f"no template named {' or '.join(names)} in templates/ or the theme") from None


def precompile(env: jinja2.Environment, choices: Iterable[Iterable[str]]) -> None:
    """Compile, into `env`'s cache, the first template of each choice that exists and the templates they name
    (include, import, extends, `shared`), as far as a name is written out: forked workers then inherit them
    compiled, instead of each compiling its own. A template that fails to compile is left for the page that
    uses it to report (one named in a branch never taken is no error)."""
    known = set(env.list_templates())
    todo = [list(names) for names in choices]
    seen: set[str] = set()
    while todo:
        try:
            template = env.select_template(todo.pop())
        except Exception:  # noqa: BLE001 - reported where it is used, as without this
            continue
        if template.name is None or template.name in seen:
            continue
        seen.add(template.name)
        codes = [template.root_render_func.__code__, *(block.__code__ for block in template.blocks.values())]
        todo.extend([name] for code in codes for name in _strings(code) if name in known and name not in seen)


def _strings(code: types.CodeType) -> Iterator[str]:
    """The string constants of compiled code and of the functions (macros, blocks) defined in it."""
    for const in code.co_consts:
        if isinstance(const, str):
            yield const
        elif isinstance(const, types.CodeType):
            yield from _strings(const)


def render(template: jinja2.Template, context: dict[str, Any], source: Path | str) -> str:
    """Render, turning any template failure into a SitegenError that names the template line and page."""
    try:
        return template.render(context)
    except SitegenError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise error(exc.filename or "template", f"template error: {exc.message}", exc.lineno, 1) from None
    except Exception as exc:  # a template bug: report where, not a traceback
        where, line = template.filename or template.name or "template", 0
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt", ".js", ".json")):
                where, line = frame.filename, frame.lineno or 0
                break
        raise error(where, f"{type(exc).__name__}: {exc} (while rendering {display_path(source)})",
                    line, 1) from exc
