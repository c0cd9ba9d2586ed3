"""Template helpers."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import example, given
from hypothesis import strategies as st

from conftest import build, page
from generator.urls import absolute as absolute_url


@given(st.sampled_from(["https://thaibinh.example.org/", "https://a.org/sub/", "http://127.0.0.1:8000/p/"]),
       st.text(alphabet=st.sampled_from(list("/.?#:ab %đ\\")), max_size=20))
@example("https://a.org/", "//evil.example/")
@example("https://a.org/sub/", "/a/../b")
def test_absolute_url_is_urljoin(base, url):
    """The fast path for site paths gives what urljoin gives."""
    assert absolute_url(base, url) == urljoin(base, url)


def test_remembered_gettext_renders_what_jinjas_newstyle_gettext_renders():
    """The theme's real Vietnamese catalog, through sitegen's environment and through stock Jinja's
    newstyle gettext: the same text, escaping and %-formatting, on first use and when remembered."""
    import jinja2

    from conftest import REPO
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.templates import make_environment

    theme = REPO / "themes" / "default"
    catalog = load_translations(theme, "vi", "vi_VN", Problems())
    ours = make_environment(REPO, theme, "vi_VN", catalog, "https://a.org/")
    stock = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    stock.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    source = ('{{ _("Explore") }}|{{ gettext("Explore") }}|{{ _("Skip to content") }}|{{ _("100%% <b>") }}|'
              '{{ _("%(area)s ha", area="<1>") }}|{% trans %}Contact{% endtrans %}|'
              '{% autoescape false %}{{ _("a < b") }}{{ _("%(x)s", x="<i>") }}{% endautoescape %}')
    expected = stock.from_string(source).render()
    template = ours.from_string(source)
    assert template.render() == expected == template.render()
    assert "Khám phá" in expected and "&lt;1&gt;" in expected and "100% <b>" in expected


def test_dict_attribute_lookup_is_jinjas():
    """`d.name` on a plain dict: the key, a dict method when the name is one, or Jinja's undefined."""
    import jinja2
    import pytest

    from conftest import REPO
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.templates import make_environment

    theme = REPO / "themes" / "default"
    ours = make_environment(REPO, theme, "en_US", load_translations(theme, "en", "en_US", Problems()), "https://a.org/")
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    data = {"d": {"title": "<T>", "items": "shadowed", "get": 1, "n": {"x": 2}}, "o": type("O", (), {"title": "o"})()}
    source = "{{ d.title }}|{{ d.items() | list | length }}|{{ d.get('title') }}|{{ d.n.x }}|{{ o.title }}|{{ d['items'] }}"
    assert ours.from_string(source).render(data) == stock.from_string(source).render(data) == "&lt;T&gt;|4|&lt;T&gt;|2|o|shadowed"
    for missing in ("{{ d.nope }}", "{{ d.n.nope }}", "{{ d.nope.x }}"):
        with pytest.raises(jinja2.UndefinedError) as theirs:
            stock.from_string(missing).render(data)
        with pytest.raises(jinja2.UndefinedError) as mine:
            ours.from_string(missing).render(data)
        assert str(mine.value) == str(theirs.value)
    assert str(ours.from_string("{{ d.nope is defined }}").render(data)) == "False"


def test_autoescaped_output_is_what_stock_jinja_writes():
    """Each `{{ value }}` goes through `templates.output` (a str, not a Markup per value): the same text as
    stock Jinja for text, Markup, objects with __html__, numbers, None, a str subclass, and through macros,
    call blocks, `set` blocks, filter blocks, `|e`, and `autoescape false`; the same error for an undefined."""
    import jinja2
    import pytest
    from markupsafe import Markup

    from conftest import REPO
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.templates import make_environment

    theme = REPO / "themes" / "default"
    ours = make_environment(REPO, theme, "en_US", load_translations(theme, "en", "en_US", Problems()), "https://a.org/")
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = type("H", (), {"__html__": lambda self: "<b>safe</b>", "__str__": lambda self: "<unsafe>"})()
    sub = type("S", (str,), {})("<sub & 'q'>")
    data = {"t": "Tôi & <bạn> \"x\" 'y'", "m": Markup("<i>đã an toàn</i>"), "h": html, "n": 3.5, "z": None,
            "s": sub, "l": ["<a>", Markup("<b>")]}
    source = ("{{ t }}|{{ m }}|{{ h }}|{{ n }}|{{ z }}|{{ s }}|{{ t ~ m }}|{{ m ~ t }}|{{ t|e }}|{{ t|safe }}|"
              "{{ l|join(', ') }}|{% for x in l %}{{ x }}{% endfor %}|"
              "{% macro k(v) %}<p>{{ v }}</p>{% endmacro %}{{ k(t) }}|{{ k(t)|e }}|"
              "{% macro w(v) %}<div>{{ v }}{{ caller() }}</div>{% endmacro %}{% call w(m) %}{{ t }}{% endcall %}|{% set b %}{{ t }}<br>{% endset %}{{ b }}|{{ b|length }}|"
              "{% filter upper %}{{ t }}{% endfilter %}|{% autoescape false %}{{ t }}{% endautoescape %}")
    expected = stock.from_string(source).render(data)
    assert ours.from_string(source).render(data) == expected
    assert ours.compile(source, raw=True).count("sitegen_output(") >= 10  # (the path taken, not `escape(`)
    assert "Tôi &amp; &lt;bạn&gt; &#34;x&#34; &#39;y&#39;|<i>đã an toàn</i>|<b>safe</b>|3.5|None|" in expected
    with pytest.raises(jinja2.UndefinedError) as theirs:
        stock.from_string("{{ nope }}").render()
    with pytest.raises(jinja2.UndefinedError) as mine:
        ours.from_string("{{ nope }}").render()
    assert str(mine.value) == str(theirs.value)


def test_languages_share_compiled_templates_but_not_their_catalogs(tmp_path, monkeypatch):
    import jinja2

    from conftest import REPO
    from generator.cache import CompiledTemplates
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.templates import make_environment

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text('{{ _("Explore") }} {{ lang }}', encoding="utf-8")
    theme = REPO / "themes" / "default"
    compiled, compiles = CompiledTemplates(), []
    original = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiles.append(1) or original(self, *a, **k))
    envs = {code: make_environment(tmp_path, theme, locale, load_translations(theme, code, locale, Problems()),
                                   "https://a.org/", compiled)
            for code, locale in (("vi", "vi_VN"), ("en", "en_US"))}
    assert envs["vi"].get_template("t.html").render(lang="vi") == "Khám phá vi"
    assert envs["en"].get_template("t.html").render(lang="en") == "Explore en"
    assert len(compiles) == 1


# -- what is rendered once per language (issue 19) ------------------------------------------------------
OLD_PAGER = """{% if paginator and paginator.total > 1 %}
<nav class="pagination" aria-label="{{ _('Pages') }}">
<ul>
{% if paginator.prev_url %}<li><a href="{{ paginator.prev_url }}" rel="prev">{{ _("Previous") }}</a></li>{% endif %}
{% for p in paginator.pages %}<li>{% if p.current %}<span aria-current="page">{{ p.number }}</span>{% else %}<a href="{{ p.url }}">{{ p.number }}</a>{% endif %}</li>
{% endfor %}
{% if paginator.next_url %}<li><a href="{{ paginator.next_url }}" rel="next">{{ _("Next") }}</a></li>{% endif %}
</ul>
</nav>
{% endif %}
"""


def test_a_pager_in_shared_runs_renders_what_one_loop_over_every_page_renders():
    """partials/list.html renders the runs of ten links that no page holds once per list: on every page
    of lists of 1 to 35 pages, its pager is the one a plain loop over `paginator.pages` gives."""
    from conftest import REPO
    from generator.context import Fragments
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.render import paginator
    from generator.templates import make_environment

    theme = REPO / "themes" / "default"
    env = make_environment(REPO, theme, "vi_VN", load_translations(theme, "vi", "vi_VN", Problems()), "https://a.org/")
    fragments = Fragments(lambda lang, reads: {"lang": lang})
    ours, old = env.get_template("partials/list.html"), env.from_string(OLD_PAGER)
    for total in (1, 2, 9, 10, 11, 20, 21, 35):
        for number in range(1, total + 1):
            ctx: dict = {"children": [], "paginator": paginator("/vi/tin/", number, total)}
            ctx["shared"] = fragments.bind("vi", set(), ctx)
            assert ours.render(ctx) == old.render(ctx), (total, number)
    assert any(key[1] == "partials/pager-links.html" for key in fragments._made)


def test_shared_partials_are_made_once_a_language_and_keep_the_pages_they_read(make_site):
    """The footer (a shared partial) looks up the contact page: made once per language, yet every page
    that shows it reads that page, as it did when each page rendered its own footer."""
    from generator import images
    from generator.build import BuildOptions, _load
    from generator.config import load_config
    from generator.convert import Bodies
    from generator.errors import Problems
    from generator.render import Job, Renderer

    root = make_site({f"content/{lang}/{rel}": page(f"{lang} {rel}") for lang in ("vi", "en")
                      for rel in ("contact.md", "a.md", "b.md")})
    problems = Problems()
    site, envs, _ = _load(load_config(root), BuildOptions(site=root, cache=False), problems, None, None, None)
    renderer = Renderer(site, Bodies(site, None, pictures=images.prepare(site, None, problems)), envs)
    for lang in ("vi", "en"):
        for rel in ("a.md", "b.md"):
            outputs, reads = renderer.run(Job("page", lang, rel))
            assert (lang, "contact.md") in reads
            assert f'href="{site.pages[(lang, "contact.md")].url}"' in outputs[0].data.decode()
    made = renderer.contexts.fragments._made
    assert {key[0] for key in made if key[1] == "partials/footer.html"} == {"vi", "en"}


def test_a_site_s_partial_that_reads_the_page_is_rendered_for_each_page(make_site, tmp_path):
    """A site's own footer that shows the page's title cannot be shared: each page gets its own."""
    root = make_site({"templates/partials/footer.html": "<footer>{{ page.title }} · {{ site.title }}</footer>\n",
                      "content/en/a.md": page("Page A"), "content/en/b.md": page("Page B")})
    result = build(root, "--output", tmp_path / "out", "--no-cache")
    assert result.exit_code == 0, result.output
    for slug, title in (("a", "Page A"), ("b", "Page B")):
        html = (tmp_path / "out" / "en" / slug / "index.html").read_text(encoding="utf-8")
        assert f"<footer>{title} · Test site</footer>\n</body>" in html


# -- templates compiled once, before the workers fork, where the cache holds them (issue 19) ----------------
def test_precompiled_templates_leave_the_example_site_s_jobs_nothing_to_compile(monkeypatch):
    """After `Renderer.precompile`, rendering every job of the example site compiles no template: forked
    workers inherit them all, rather than each compiling its own."""
    import jinja2

    from conftest import EXAMPLE_SITE
    from generator.build import BuildOptions, _load
    from generator.config import load_config
    from generator.convert import Bodies
    from generator.errors import Problems
    from generator.render import Renderer

    problems = Problems()
    site, envs, _ = _load(load_config(EXAMPLE_SITE), BuildOptions(site=EXAMPLE_SITE, cache=False), problems,
                          None, None, None)
    renderer = Renderer(site, Bodies(site, None), envs)  # (its pictures not encoded: not what is looked at)
    renderer.brochures.linked_from = {}  # (no PDF printed: WeasyPrint takes seconds; its template is below)
    renderer.precompile()
    compiled: list[str] = []
    original = jinja2.Environment._compile
    monkeypatch.setattr(jinja2.Environment, "_compile",
                        lambda self, source, filename: compiled.append(filename) or original(self, source, filename))
    jobs = [job for job in renderer.jobs() if job.kind != "brochure"]
    assert {job.kind for job in jobs} >= {"page", "tags", "tag", "feed", "sitemap", "special"}
    for job in jobs:
        renderer.run(job)
    assert compiled == []
    for lang, env in envs.items():  # and the brochure's, where a brochure is made
        if lang in renderer.brochures.languages():
            env.get_template("brochure.html")
    assert compiled == []


def test_precompile_leaves_a_broken_template_in_a_branch_never_taken_to_whoever_uses_it(make_site, tmp_path):
    """A partial named only in a branch a page never takes is compiled if it can be, and if it cannot, is
    no error (as when it was compiled on first use): the build goes on; the partials it names are compiled."""
    import jinja2
    import pytest
    from babel.support import NullTranslations

    from generator.templates import make_environment, precompile

    root = make_site({
        "templates/page.html": '{% if false %}{% include "partials/broken.html" %}{% endif %}'
                               '{% include "partials/fine.html" %}|{{ page.title }}\n',
        "templates/partials/broken.html": "{% if %}\n",
        "templates/partials/fine.html": "fine",
        "content/en/a.md": page("Page A"),
    })
    result = build(root, "--output", tmp_path / "out", "--no-cache")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "en" / "a" / "index.html").read_text(encoding="utf-8") == "fine|Page A\n"

    env = make_environment(root, root / "no-theme", "en_US", NullTranslations(), "https://a.org/")
    precompile(env, [["nothing.html", "page.html"]])
    names = {key[1] for key in env.cache}
    assert {"page.html", "partials/fine.html"} <= names and "partials/broken.html" not in names
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.get_template("partials/broken.html")
