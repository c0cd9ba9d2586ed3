"""Template helpers."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import example, given
from hypothesis import strategies as st

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


def test_languages_share_compiled_templates_but_not_their_catalogs(tmp_path, monkeypatch):
    import jinja2

    from conftest import REPO
    from generator.errors import Problems
    from generator.i18n import load_translations
    from generator.templates import SharedBytecode, make_environment

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text('{{ _("Explore") }} {{ lang }}', encoding="utf-8")
    theme = REPO / "themes" / "default"
    compiled, compiles = SharedBytecode(), []
    original = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiles.append(1) or original(self, *a, **k))
    envs = {code: make_environment(tmp_path, theme, locale, load_translations(theme, code, locale, Problems()),
                                   "https://a.org/", compiled)
            for code, locale in (("vi", "vi_VN"), ("en", "en_US"))}
    assert envs["vi"].get_template("t.html").render(lang="vi") == "Khám phá vi"
    assert envs["en"].get_template("t.html").render(lang="en") == "Explore en"
    assert len(compiles) == 1
