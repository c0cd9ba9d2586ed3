"""A deterministic bilingual (Vietnamese / English) benchmark corpus for sitegen, Hugo and Pelican.

Run:

    python benchmarks/corpus.py --pages 1000 --out benchmarks/_work/corpus/site \
        [--hugo benchmarks/_work/corpus/hugo] [--pelican benchmarks/_work/corpus/pelican] [--seed 1]

`--pages N` is the number of pages *per language*. The same seed and N always give byte-identical files.

Each language gets a home `_index.md`, ten sections (`news`, `culture`, …) with an `_index.md`, and N pages
spread over the sections (`<section>/page-00042.md`, the same relative paths in both languages so they pair
as translations). A page has about 800 words of real Vietnamese or English words, `##` headings, a bullet
list, a pipe table, bold and italic text and links to other pages by relative source path
(`[x](../culture/page-00012.md)`, always to a page that exists). Front matter: title, date, summary, 2-4 tags
from a pool of 30 per language and, on about one page in eight, a weight.

The Hugo and Pelican copies hold the same text and are set up to do the same work as sitegen's default theme:
a page template with breadcrumbs, tags, a language switcher and hreflang alternates; links to source files
turned into page URLs (Hugo: a render hook with GetPage; Pelican: `{filename}` links); section lists and tag
lists paginated by PAGINATION with a link to every pager; a tag index; one feed per language (sitegen Atom,
Hugo RSS, Pelican Atom) of the newest FEED_ITEMS pages with their full HTML. sitegen's site.yaml feeds every
section and turns the Pagefind search index and the precompressed .gz copies off (Hugo and Pelican make
neither) when this sitegen has those keys. Hugo also writes sitemap.xml and robots.txt as sitegen does; Pelican has neither without plugins.
Pelican is multilingual through the i18n_subsites plugin (one sub-site per language, translations paired by
slug), which reads every source file once per language.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PAGINATION = 10  # list pages per pager, for sections and tags, in all three tools
FEED_ITEMS = 20  # items in each language's feed (Hugo and Pelican; sitegen when it has feeds)
BASE_URL = "https://bench.example.org/"
LANGS = ("vi", "en")
LANG_META = {
    "vi": {"name": "Tiếng Việt", "locale": "vi_VN", "title": "Đồng bằng sông Hồng – Trang thử nghiệm",
           "description": "Một trang web thử nghiệm với nội dung tiếng Việt về văn hóa, kinh tế và con người."},
    "en": {"name": "English", "locale": "en_US", "title": "Red River Delta – Benchmark Site",
           "description": "A benchmark site with English content about culture, the economy and people."},
}

# (folder, Vietnamese title, English title)
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("news", "Tin tức", "News"),
    ("culture", "Văn hóa", "Culture"),
    ("history", "Lịch sử", "History"),
    ("economy", "Kinh tế", "Economy"),
    ("tourism", "Du lịch", "Tourism"),
    ("education", "Giáo dục", "Education"),
    ("agriculture", "Nông nghiệp", "Agriculture"),
    ("industry", "Công nghiệp", "Industry"),
    ("people", "Con người", "People"),
    ("environment", "Môi trường", "Environment"),
)

# 30 tags per language, paired by position.
TAGS: tuple[tuple[str, str], ...] = (
    ("đầu tư", "investment"), ("nông nghiệp", "farming"), ("du lịch", "travel"), ("lễ hội", "festivals"),
    ("di sản", "heritage"), ("ẩm thực", "food"), ("giáo dục", "schools"), ("y tế", "health"),
    ("giao thông", "transport"), ("năng lượng", "energy"), ("môi trường", "environment"), ("biển", "the sea"),
    ("làng nghề", "craft villages"), ("thủy sản", "fisheries"), ("công nghiệp", "industry"),
    ("khởi nghiệp", "start-ups"), ("xuất khẩu", "exports"), ("văn hóa", "culture"), ("lịch sử", "history"),
    ("nghệ thuật", "arts"), ("thể thao", "sports"), ("khoa học", "science"), ("công nghệ", "technology"),
    ("hạ tầng", "infrastructure"), ("đô thị", "towns"), ("nông thôn", "countryside"),
    ("thanh niên", "young people"), ("phụ nữ", "women"), ("chính sách", "policy"),
    ("hợp tác quốc tế", "international cooperation"),
)

_VI = {
    "noun": """tỉnh huyện xã làng người dân nông_dân ngư_dân cánh_đồng lúa gạo dòng_sông biển bờ_biển con_đê
        cây_cầu con_đường phiên_chợ trường_học bệnh_viện nhà_máy khu_công_nghiệp doanh_nghiệp nhà_đầu_tư dự_án
        nguồn_vốn thị_trường sản_phẩm hàng_hóa lễ_hội ngôi_đình ngôi_chùa ngôi_đền nền_văn_hóa truyền_thống
        di_tích nghệ_thuật múa_rối_nước chiếu_chèo câu_ca_dao món_ăn bánh_cáy canh_cá nước_mắm mùa_xuân mùa_hè
        mùa_thu mùa_đông thời_tiết khí_hậu môi_trường rặng_tre hàng_cây bông_hoa đàn_chim đàn_cá con_tôm con_cua
        nghề_thủ_công người_thợ nghệ_nhân gia_đình trẻ_em học_sinh sinh_viên giáo_viên bác_sĩ cán_bộ chính_quyền
        nền_kinh_tế xã_hội y_tế giao_thông năng_lượng nước_sạch công_nghệ khoa_học thông_tin báo_chí sự_kiện
        hội_nghị chương_trình kế_hoạch chính_sách quy_hoạch hạ_tầng bến_cảng quốc_lộ đường_cao_tốc thành_phố
        thị_trấn nông_thôn đô_thị ngôi_nhà mái_ngói sân_đình cây_đa giếng_nước con_đò bến_sông hợp_tác_xã
        nông_sản rau_màu cây_trồng vật_nuôi mùa_vụ năng_suất sản_lượng giá_trị lợi_nhuận thu_nhập việc_làm
        người_lao_động kỹ_năng nghiên_cứu di_sản bảo_tàng thư_viện cuốn_sách câu_chuyện kỷ_niệm quê_hương
        đất_nước dân_tộc tiếng_Việt lớp_học sân_vận_động cánh_rừng ngọn_núi hồ_nước cơn_mưa ánh_nắng""",
    "verb": """phát_triển xây_dựng bảo_tồn gìn_giữ mở_rộng nâng_cao cải_thiện thu_hút sản_xuất chế_biến
        trồng nuôi đánh_bắt tổ_chức tham_gia chào_đón giới_thiệu quảng_bá kết_nối hỗ_trợ khuyến_khích đổi_mới
        hoàn_thành khởi_công ký_kết chia_sẻ học_tập gắn_bó thăm ngắm thưởng_thức ghi_nhận đánh_giá công_bố
        ban_hành triển_khai thực_hiện duy_trì tăng_cường vượt_qua mang_lại tạo_ra giúp_đỡ chăm_sóc khám_phá
        phục_hồi nâng_cấp lắng_nghe kể_lại ghi_chép""",
    "adj": """mới cũ lớn nhỏ đẹp xanh sạch hiện_đại bền_vững hiệu_quả nổi_tiếng độc_đáo phong_phú đa_dạng
        thuận_lợi quan_trọng cần_thiết an_toàn trù_phú yên_bình cổ_kính tươi_ngon đặc_sắc sôi_động rộng_lớn
        lâu_đời vững_chắc màu_mỡ thân_thiện chăm_chỉ sáng_tạo giản_dị""",
    "prep": "trong ở tại bên_cạnh gần cùng_với dành_cho theo qua",
    "adv": "đã đang sẽ cũng vẫn luôn thường_xuyên từng",
    "det": "những các một nhiều mọi mỗi",
    "conj": "và nhưng vì_vậy đồng_thời bên_cạnh_đó ngoài_ra",
    "of": "của",
    "table_head": "Chỉ_tiêu|Năm|Giá_trị",
}

_EN = {
    "noun": """province district commune village people farmer fisherman field rice river sea coast dike bridge
        road market school hospital factory company investor project capital product festival temple pagoda
        shrine culture tradition relic art puppet theatre song dish soup spring summer autumn winter weather
        climate environment bamboo tree flower bird fish shrimp crab craft worker artisan family child student
        teacher doctor official government economy society healthcare transport energy water technology science
        news newspaper event conference programme plan policy infrastructure port highway city town countryside
        house roof courtyard well ferry riverbank cooperative harvest vegetable crop livestock season yield
        output value profit income job labour skill research heritage museum library book story memory
        homeland country language classroom stadium forest mountain lake rain sunshine neighbour kitchen garden
        orchard pond boat net lantern drum gate street square workshop""",
    "verb": """develops builds preserves protects expands improves attracts produces processes plants raises
        catches organises joins welcomes introduces promotes connects supports encourages renews completes
        starts signs shares studies visits admires enjoys records reviews announces issues launches carries
        maintains strengthens crosses brings creates helps explores restores upgrades hears tells remembers
        celebrates follows""",
    "adj": """new old large small beautiful green clean modern sustainable efficient famous unique rich varied
        convenient important necessary safe fertile peaceful ancient fresh distinctive lively wide long-standing
        solid friendly hard-working creative simple quiet busy bright""",
    "prep": "in at near beside with for along across through",
    "adv": "often always still also now already usually once",
    "det": "the the the a every each many some",
    "conj": "and but so meanwhile moreover besides",
    "of": "of",
    "table_head": "Indicator|Year|Value",
}


def _words(spec: dict[str, str]) -> dict[str, list[str]]:
    return {k: [w.replace("_", " ") for w in v.split()] for k, v in spec.items()}


VOCAB: dict[str, dict[str, list[str]]] = {"vi": _words(_VI), "en": _words(_EN)}


@dataclass
class Doc:
    """One content file of one language: its path below content/<lang>/, front matter and Markdown body."""

    lang: str
    rel: str
    title: str
    body: str
    date: date | None = None
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    weight: int = 0
    section: str = ""  # folder of the section (pages and section indexes); "" for the home page


def section_of(index: int) -> str:
    return SECTIONS[index % len(SECTIONS)][0]


def page_rel(index: int) -> str:
    return f"{section_of(index)}/page-{index:05d}.md"


class _Writer:
    """Makes phrases, sentences and paragraphs in one language from its vocabulary."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.v = VOCAB[lang]
        self.rng = rng

    def pick(self, kind: str) -> str:
        return self.rng.choice(self.v[kind])

    def noun_phrase(self) -> str:
        r = self.rng.random()
        if self.lang == "vi":
            words = [self.pick("noun")]
            if r < 0.5:
                words.append(self.pick("adj"))
            if r > 0.7:
                words += [self.pick("of"), self.pick("noun")]
            if self.rng.random() < 0.3:
                words.insert(0, self.pick("det"))
            return " ".join(words)
        words = [self.pick("det")]
        if r < 0.5:
            words.append(self.pick("adj"))
        words.append(self.pick("noun"))
        if r > 0.7:
            words += ["of the", self.pick("noun")]
        if words[0] == "a" and words[1][0] in "aeiou":
            words[0] = "an"
        return " ".join(words)

    def sentence(self, decorate: bool = True) -> str:
        rng = self.rng
        obj = self.noun_phrase()
        if decorate and rng.random() < 0.12:
            obj = f"**{obj}**"
        elif decorate and rng.random() < 0.12:
            obj = f"*{obj}*"
        parts = [self.noun_phrase()]
        if rng.random() < 0.4:
            parts.append(self.pick("adv"))
        parts += [self.pick("verb"), obj]
        if rng.random() < 0.6:
            parts += [self.pick("prep"), self.noun_phrase()]
        if rng.random() < 0.25:
            parts += [",", self.pick("conj"), self.noun_phrase(), self.pick("verb"), self.noun_phrase()]
        text = " ".join(parts).replace(" ,", ",")
        return text[0].upper() + text[1:] + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self) -> str:
        text = self.noun_phrase() + " " + self.pick("adj")
        if self.lang == "en" and text.startswith(("the ", "a ", "an ")):
            text = text.split(" ", 1)[1]
        return text[0].upper() + text[1:]

    def number(self, value: float) -> str:
        text = f"{value:,.1f}"
        return text.replace(",", " ").replace(".", ",").replace(" ", ".") if self.lang == "vi" else text


@dataclass(frozen=True)
class _Plan:
    """What a page has in every language: date, weight, tags, shape, link targets and table figures."""

    date: date
    weight: int
    tags: tuple[int, ...]
    blocks: tuple[int, ...]  # paragraphs per `##` part
    links: tuple[int, ...]
    figures: tuple[tuple[int, float], ...]


def _plan(seed: int, index: int, pages: int) -> _Plan:
    rng = random.Random(f"{seed}:plan:{index}")
    others = [t + (t >= index) for t in rng.sample(range(pages - 1), min(4, pages - 1))]
    return _Plan(
        date=date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
        weight=rng.randint(1, 5) if rng.random() < 0.125 else 0,
        tags=tuple(rng.sample(range(len(TAGS)), rng.randint(2, 4))),
        blocks=tuple(rng.choice((2, 2, 3)) for _ in range(4)),
        links=tuple(others),
        figures=tuple((rng.randint(2015, 2024), rng.uniform(10, 99999)) for _ in range(4)),
    )


SHAPES = ("articles", "reports")  # the page shapes `documents` can write


def _report_page(seed: int, index: int, pages: int, lang: str) -> Doc:
    """The second shape: a longer report (600-1,000 words) with H2 and H3 headings, a bullet list and a
    numbered list, a 4 x 5 table, three links and 5-8 tags."""
    rng = random.Random(f"{seed}:report:{index}")
    others = [t + (t >= index) for t in rng.sample(range(pages - 1), min(3, pages - 1))]
    w = _Writer(lang, random.Random(f"{seed}:{lang}:report:{index}"))
    rel = page_rel(index)
    links = iter(others)

    def link() -> str:
        target = next(links, None)
        return "" if target is None else f"[{w.noun_phrase()}](../{page_rel(target)})"

    out = [w.paragraph(5), ""]
    for part in range(rng.randint(3, 4)):
        out += [f"## {w.title()}", "", w.paragraph(4), ""]
        if part == 0:
            out += [f"- {w.noun_phrase()}" + (f" ({a})" if (a := link()) else "") for _ in range(5)] + [""]
        if part == 1:
            out += [f"{n}. {w.sentence(decorate=False)}" for n in range(1, 6)] + [""]
        if part == 2:
            out += ["| " + " | ".join(w.noun_phrase() for _ in range(5)) + " |", "| --- |" + " ---: |" * 4]
            out += ["| " + " | ".join([w.noun_phrase()] + [w.number(rng.uniform(10, 99999)) for _ in range(4)])
                    + " |" for _ in range(4)] + [""]
        out += [f"### {w.title()}", "", w.paragraph(4), "", w.paragraph(3) + (f" ({a})." if (a := link()) else ""),
                ""]
    return Doc(lang=lang, rel=rel, title=w.title(), body="\n".join(out),
               date=date(2015, 1, 1) + timedelta(days=rng.randrange(3650)), summary=w.sentence(decorate=False),
               tags=[TAGS[t][LANGS.index(lang)] for t in rng.sample(range(len(TAGS)), rng.randint(5, 8))],
               weight=0, section=section_of(index))


def _page(seed: int, index: int, pages: int, lang: str) -> Doc:
    plan = _plan(seed, index, pages)
    w = _Writer(lang, random.Random(f"{seed}:{lang}:{index}"))
    rel = page_rel(index)
    links = iter(plan.links)

    def link() -> str:
        target = next(links, None)
        return "" if target is None else f"[{w.noun_phrase()}](../{page_rel(target)})"

    out = [w.paragraph(4), ""]
    for part, paragraphs in enumerate(plan.blocks):
        out += [f"## {w.title()}", ""]
        for p in range(paragraphs):
            text = w.paragraph(4)
            if p == 0:
                anchor = link()
                if anchor:
                    text += " " + w.sentence(decorate=False)[:-1] + f" ({anchor})."
            out += [text, ""]
        if part == 1:
            items = [w.noun_phrase() for _ in range(5)]
            anchor = link()
            if anchor:
                items[2] = anchor
            out += [f"- {item[0].upper()}{item[1:]}" for item in items] + [""]
        if part == 2:
            head = w.v["table_head"][0].split("|")
            out += [f"| {' | '.join(head)} |", "| --- | ---: | ---: |"]
            out += [f"| {w.noun_phrase()} | {year} | {w.number(value)} |" for year, value in plan.figures]
            out += [""]
            out += [f"### {w.title()}", "", w.paragraph(3), ""]
    closing = w.paragraph(3)
    anchor = link()
    if anchor:
        closing += " " + ("Xem thêm" if lang == "vi" else "See also") + f": {anchor}."
    out += [closing, ""]
    return Doc(lang=lang, rel=rel, title=w.title(), body="\n".join(out), date=plan.date,
               summary=w.sentence(decorate=False), tags=[TAGS[t][LANGS.index(lang)] for t in plan.tags],
               weight=plan.weight, section=section_of(index))


def _section(seed: int, folder: str, vi: str, en: str, lang: str) -> Doc:
    w = _Writer(lang, random.Random(f"{seed}:{lang}:section:{folder}"))
    body = "\n\n".join(w.paragraph(3) for _ in range(2)) + "\n"
    return Doc(lang=lang, rel=f"{folder}/_index.md", title=vi if lang == "vi" else en, body=body,
               summary=w.sentence(decorate=False), section=folder)


def _home(seed: int, lang: str) -> Doc:
    w = _Writer(lang, random.Random(f"{seed}:{lang}:home"))
    body = "\n\n".join(w.paragraph(4) for _ in range(2)) + "\n"
    return Doc(lang=lang, rel="_index.md", title=LANG_META[lang]["title"], body=body,
               summary=LANG_META[lang]["description"])


def documents(pages_per_lang: int, seed: int = 1, shape: str = "articles") -> list[Doc]:
    """Every content file of the corpus, in both languages; `shape` is one of SHAPES."""
    make = {"articles": _page, "reports": _report_page}[shape]
    docs: list[Doc] = []
    for lang in LANGS:
        docs.append(_home(seed, lang))
        docs += [_section(seed, folder, vi, en, lang) for folder, vi, en in SECTIONS]
        docs += [make(seed, i, pages_per_lang, lang) for i in range(pages_per_lang)]
    return docs


# -- writers --------------------------------------------------------------------------------------------------
def _q(text: str) -> str:
    """A YAML (and TOML-compatible) double-quoted string."""
    return json.dumps(text, ensure_ascii=False)


def _yaml_front_matter(doc: Doc) -> str:
    lines = ["---", f"title: {_q(doc.title)}"]
    if doc.date:
        lines.append(f"date: {doc.date.isoformat()}")
    if doc.summary:
        lines.append(f"summary: {_q(doc.summary)}")
    if doc.tags:
        lines.append("tags: [" + ", ".join(_q(t) for t in doc.tags) + "]")
    if doc.weight:
        lines.append(f"weight: {doc.weight}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _reset(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)


def _write(path: Path, text: str, made: set[Path]) -> None:
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    path.write_text(text, encoding="utf-8")


REPO = Path(__file__).resolve().parent.parent


def sitegen_supports(key: str, src: Path = REPO) -> bool:
    """Whether the sitegen in `src` knows the site.yaml key (its config SCHEMA lists it)."""
    config = src / "generator" / "config.py"
    try:
        return re.search(rf'^\s*"{re.escape(key)}":', config.read_text(encoding="utf-8"), re.M) is not None
    except OSError:
        return False


def write_sitegen(docs: list[Doc], root: Path, src: Path = REPO, search: bool = False) -> None:
    """A sitegen site: site.yaml and content/<lang>/… (no themes/ folder: the default theme is used).

    When sitegen has feeds, every section feeds them, capped at FEED_ITEMS, as Hugo's and Pelican's do. When it
    has a search index (Pagefind), that is off unless `search`: Hugo and Pelican build none.
    """
    _reset(root)
    made: set[Path] = set()
    langs = "\n".join(f"  - {{code: {c}, name: {_q(LANG_META[c]['name'])}, locale: {LANG_META[c]['locale']}}}"
                      for c in LANGS)
    titles = "\n".join(f"  {c}: {_q(LANG_META[c]['title'])}" for c in LANGS)
    descriptions = "\n".join(f"  {c}: {_q(LANG_META[c]['description'])}" for c in LANGS)
    feeds = (f"feeds:\n  sections: [{', '.join(folder for folder, _, _ in SECTIONS)}]\n  limit: {FEED_ITEMS}\n"
             if sitegen_supports("feeds", src) else "")
    if sitegen_supports("search", src):
        feeds += f"search: {'true' if search else 'false'}\n"
    if sitegen_supports("precompress", src):  # (Hugo and Pelican write no .gz copies either)
        feeds += "precompress: false\n"
    _write(root / "site.yaml", f"# Generated by benchmarks/corpus.py\nbase_url: {BASE_URL}\nlanguages:\n{langs}\n"
                               f"default_language: vi\ntitle:\n{titles}\ndescription:\n{descriptions}\n"
                               f"pagination: {PAGINATION}\n{feeds}", made)
    for doc in docs:
        _write(root / "content" / doc.lang / doc.rel, _yaml_front_matter(doc) + "\n" + doc.body, made)


_HUGO_LAYOUTS: dict[str, str] = {
    "baseof.html": """<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
<meta name="description" content="{{ with .Params.summary }}{{ . }}{{ else }}{{ site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}<link rel="alternate" type="application/rss+xml" href="{{ site.Home.RelPermalink }}index.xml">
<link rel="stylesheet" href="/assets/css/style.css">
</head>
<body class="kind-{{ .Kind }}">
<header class="site-header"><div class="bar">
<a class="brand" href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav class="switcher"><ul>
{{ range .AllTranslations }}<li>{{ if eq .Language.Lang $.Language.Lang }}<span aria-current="true">{{ .Language.Label }}</span>{{ else }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.Label }}</a>{{ end }}</li>
{{ end }}</ul></nav>
</div></header>
<main id="main">
{{ if not .IsHome }}<nav class="breadcrumbs"><ol>
{{ range .Ancestors.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}<li aria-current="page">{{ .Title }}</li></ol></nav>{{ end }}
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>{{ site.Title }}</p><p><a href="{{ "tags/" | relLangURL }}">{{ i18n "topics" }}</a></p></footer>
</body>
</html>
""",
    "page.html": """{{ define "main" }}<article class="page">
<header class="page-header"><h1>{{ .Title }}</h1>
{{ if not .Date.IsZero }}<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time></p>{{ end }}
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
</header>
<div class="prose">{{ .Content }}</div>
{{ with .GetTerms "tags" }}<p class="tags">{{ i18n "topics" }}: {{ range $i, $t := . }}{{ if $i }}, {{ end }}<a href="{{ .RelPermalink }}" rel="tag">{{ .LinkTitle }}</a>{{ end }}</p>{{ end }}
</article>{{ end }}
""",
    "home.html": """{{ define "main" }}<section class="hero"><h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}</section>
<div class="prose">{{ .Content }}</div>
<ul class="cards">
{{ range .Sections }}<li class="card"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ with .Params.summary }}<p>{{ . }}</p>{{ end }}</li>
{{ end }}</ul>{{ end }}
""",
    "section.html": """{{ define "main" }}{{ $pager := .Paginate .RegularPages }}<article class="section">
<header class="page-header"><h1>{{ .Title }}</h1>{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}</header>
{{ if eq $pager.PageNumber 1 }}<div class="prose">{{ .Content }}</div>{{ end }}
{{ partial "list.html" $pager }}
</article>{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>{{ i18n "topics" }}</h1>
<ul class="tag-list">
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}" rel="tag">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}</ul>{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ i18n "topics" }}: {{ .Title }}</h1>
{{ partial "list.html" (.Paginate .Pages) }}{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>404</h1>{{ end }}
""",
    # The feed: newest pages of the language with their full HTML, like sitegen's Atom feed.
    "home.rss.xml": """{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>{{ site.Title }}</title>
<link>{{ .Permalink }}</link>
<description>{{ site.Params.description }}</description>
<language>{{ site.Language.Lang }}</language>
{{ with .OutputFormats.Get "RSS" }}<atom:link href="{{ .Permalink }}" rel="self" type="application/rss+xml"/>{{ end }}
{{ range first site.Config.Services.RSS.Limit site.RegularPages.ByDate.Reverse }}<item>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<guid>{{ .Permalink }}</guid>
<description>{{ .Params.summary }}</description>
{{ range .Params.tags }}<category>{{ . }}</category>{{ end }}
<content:encoded>{{ .Content | transform.XMLEscape | safeHTML }}</content:encoded>
</item>
{{ end }}</channel>
</rss>
""",
    "_partials/list.html": """<ul class="cards">
{{ range .Pages }}<li class="card">
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
{{ if not .Date.IsZero }}<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time></p>{{ end }}
{{ with .Params.summary }}<p>{{ . }}</p>{{ end }}
</li>
{{ end }}</ul>
{{ if gt .TotalPages 1 }}<nav class="pagination"><ul>
{{ with .Prev }}<li><a href="{{ .URL }}" rel="prev">{{ i18n "previous" }}</a></li>{{ end }}
{{ $current := .PageNumber }}{{ range .Pagers }}<li>{{ if eq .PageNumber $current }}<span aria-current="page">{{ .PageNumber }}</span>{{ else }}<a href="{{ .URL }}">{{ .PageNumber }}</a>{{ end }}</li>
{{ end }}{{ with .Next }}<li><a href="{{ .URL }}" rel="next">{{ i18n "next" }}</a></li>{{ end }}
</ul></nav>{{ end }}
""",
    # Links to source files become page URLs, as sitegen does.
    "_markup/render-link.html": """{{- $u := urls.Parse .Destination -}}
{{- $href := .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
{{- with .PageInner.GetPage (path.Join "/" .PageInner.File.Dir $u.Path) -}}{{- $href = .RelPermalink -}}{{- end -}}
{{- end -}}
<a href="{{ $href }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text }}</a>
{{- /**/ -}}
""",
}

_UI = {"vi": {"topics": "Chủ đề", "previous": "Trước", "next": "Sau"},
       "en": {"topics": "Topics", "previous": "Previous", "next": "Next"}}


def write_hugo(docs: list[Doc], root: Path) -> None:
    """A Hugo site with the same content (contentDir per language) and minimal layouts doing equal work."""
    _reset(root)
    made: set[Path] = set()
    langs = "".join(
        f"\n[languages.{c}]\nlabel = {_q(LANG_META[c]['name'])}\nlocale = {_q(LANG_META[c]['locale'].replace('_', '-'))}\n"
        f"contentDir = \"content/{c}\"\nweight = {i + 1}\ntitle = {_q(LANG_META[c]['title'])}\n"
        f"[languages.{c}.params]\ndescription = {_q(LANG_META[c]['description'])}\n"
        for i, c in enumerate(LANGS))
    config = f"""# Generated by benchmarks/corpus.py
baseURL = "{BASE_URL}"
defaultContentLanguage = "vi"
defaultContentLanguageInSubdir = true
enableRobotsTXT = true

[pagination]
pagerSize = {PAGINATION}

[taxonomies]
tag = "tags"

[outputs]
home = ["html", "rss"]
section = ["html"]
taxonomy = ["html"]
term = ["html"]
page = ["html"]

[services.rss]
limit = {FEED_ITEMS}

[markup.goldmark.parser]
autoHeadingID = true
{langs}"""
    _write(root / "hugo.toml", config, made)
    for name, text in _HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text, made)
    for c in LANGS:
        _write(root / "i18n" / f"{c}.toml", "".join(f"{k} = {_q(v)}\n" for k, v in _UI[c].items()), made)
    for doc in docs:
        _write(root / "content" / doc.lang / doc.rel, _yaml_front_matter(doc) + "\n" + doc.body, made)


_PELICAN_CONF = '''"""Pelican settings for the benchmark corpus: generated by benchmarks/corpus.py."""

AUTHOR = "bench"
SITENAME = {sitename}
SITEURL = "{siteurl}"
RELATIVE_URLS = False
PATH = "content"
THEME = "theme"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
DEFAULT_DATE_FORMAT = "%d/%m/%Y"
PLUGINS = ["pelican.plugins.i18n_subsites"]
I18N_SUBSITES = {{"en": {{"SITENAME": {sitename_en}, "DEFAULT_DATE_FORMAT": "%B %d, %Y"}}}}
ARTICLE_TRANSLATION_ID = "slug"
PAGE_TRANSLATION_ID = "slug"
PAGE_PATHS = ["vi/pages", "en/pages"]
STATIC_PATHS = []
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False

DIRECT_TEMPLATES = ["index", "tags"]
PAGINATED_TEMPLATES = {{"category": None, "tag": None}}
DEFAULT_PAGINATION = {pagination}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
ARTICLE_URL = "{{category}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{category}}/{{slug}}/index.html"
PAGE_URL = "{{slug}}/"
PAGE_SAVE_AS = "{{slug}}/index.html"
CATEGORY_URL = "{{slug}}/"
CATEGORY_SAVE_AS = "{{slug}}/index.html"
TAG_URL = "tags/{{slug}}/"
TAG_SAVE_AS = "tags/{{slug}}/index.html"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""

FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = None
FEED_MAX_ITEMS = {feed_items}
RSS_FEED_SUMMARY_ONLY = False
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

MARKDOWN = {{
    "extension_configs": {{
        "markdown.extensions.tables": {{}},
        "markdown.extensions.footnotes": {{}},
        "markdown.extensions.toc": {{}},
        "markdown.extensions.attr_list": {{}},
        "markdown.extensions.admonition": {{}},
        "markdown.extensions.fenced_code": {{}},
    }},
    "output_format": "html",
}}
'''

_PELICAN_TEMPLATES: dict[str, str] = {
    "base.html": """<!doctype html>
<html lang="{{ DEFAULT_LANG }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ SITENAME }}{% endblock %}</title>
{% block head %}{% endblock %}
<link rel="alternate" type="application/atom+xml" href="{{ FEED_DOMAIN }}/{{ FEED_ALL_ATOM }}">
<link rel="stylesheet" href="/assets/css/style.css">
</head>
<body>
<header class="site-header"><div class="bar">
<a class="brand" href="{{ SITEURL }}/">{{ SITENAME }}</a>
<nav class="switcher"><ul>
{% block switcher %}{% for lang, url in lang_siteurls.items() %}<li>{% if lang == DEFAULT_LANG %}<span aria-current="true">{{ lang }}</span>{% else %}<a href="{{ url }}/" hreflang="{{ lang }}">{{ lang }}</a>{% endif %}</li>
{% endfor %}{% endblock %}</ul></nav>
</div></header>
<main id="main">
{% block main %}{% endblock %}
</main>
<footer class="site-footer"><p>{{ SITENAME }}</p><p><a href="{{ SITEURL }}/{{ TAGS_SAVE_AS|replace('index.html', '') }}">Tags</a></p></footer>
</body>
</html>
""",
    "_list.html": """<ul class="cards">
{% for item in articles_page.object_list %}<li class="card">
<h3><a href="{{ SITEURL }}/{{ item.url }}">{{ item.title }}</a></h3>
<p class="meta"><time datetime="{{ item.date.isoformat() }}">{{ item.locale_date }}</time></p>
<p>{{ item.summary|striptags }}</p>
</li>
{% endfor %}</ul>
{% if articles_paginator.num_pages > 1 %}<nav class="pagination"><ul>
{% if articles_page.has_previous() %}<li><a href="{{ SITEURL }}/{{ articles_previous_page.url }}" rel="prev">Previous</a></li>{% endif %}
{% for n in articles_paginator.page_range %}<li>{% if n == articles_page.number %}<span aria-current="page">{{ n }}</span>{% else %}<a href="{{ SITEURL }}/{{ articles_paginator.page(n).url }}">{{ n }}</a>{% endif %}</li>
{% endfor %}{% if articles_page.has_next() %}<li><a href="{{ SITEURL }}/{{ articles_next_page.url }}" rel="next">Next</a></li>{% endif %}
</ul></nav>{% endif %}
""",
    "article.html": """{% extends "base.html" %}
{% block title %}{{ article.title }} · {{ SITENAME }}{% endblock %}
{% block head %}<meta name="description" content="{{ article.summary|striptags }}">
<link rel="canonical" href="{{ SITEURL }}/{{ article.url }}">
{% for t in article.translations %}<link rel="alternate" hreflang="{{ t.lang }}" href="{{ SITEURL }}/{{ t.url }}">
{% endfor %}{% endblock %}
{% block switcher %}<li><span aria-current="true">{{ article.lang }}</span></li>
{% for t in article.translations %}<li><a href="{{ SITEURL }}/{{ t.url }}" hreflang="{{ t.lang }}">{{ t.lang }}</a></li>
{% endfor %}{% endblock %}
{% block main %}<nav class="breadcrumbs"><ol><li><a href="{{ SITEURL }}/">{{ SITENAME }}</a></li>
<li><a href="{{ SITEURL }}/{{ article.category.url }}">{{ article.category }}</a></li><li aria-current="page">{{ article.title }}</li></ol></nav>
<article class="page">
<header class="page-header"><h1>{{ article.title }}</h1>
<p class="meta"><time datetime="{{ article.date.isoformat() }}">{{ article.locale_date }}</time></p>
<p class="lead">{{ article.summary|striptags }}</p>
</header>
<div class="prose">{{ article.content }}</div>
{% if article.tags %}<p class="tags">Tags: {% for tag in article.tags %}<a href="{{ SITEURL }}/{{ tag.url }}" rel="tag">{{ tag }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
</article>{% endblock %}
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }} · {{ SITENAME }}{% endblock %}
{% block head %}<link rel="canonical" href="{{ SITEURL }}/{{ page.url }}">
{% for t in page.translations %}<link rel="alternate" hreflang="{{ t.lang }}" href="{{ SITEURL }}/{{ t.url }}">
{% endfor %}{% endblock %}
{% block main %}<article class="section"><h1>{{ page.title }}</h1><div class="prose">{{ page.content }}</div></article>{% endblock %}
""",
    "index.html": """{% extends "base.html" %}
{% block main %}<section class="hero"><h1>{{ SITENAME }}</h1></section>
<ul class="cards">
{% for category, items in categories %}<li class="card"><h2><a href="{{ SITEURL }}/{{ category.url }}">{{ category }}</a></h2><p>{{ items|length }}</p></li>
{% endfor %}</ul>{% endblock %}
""",
    "category.html": """{% extends "base.html" %}
{% block title %}{{ category }} · {{ SITENAME }}{% endblock %}
{% block main %}<nav class="breadcrumbs"><ol><li><a href="{{ SITEURL }}/">{{ SITENAME }}</a></li><li aria-current="page">{{ category }}</li></ol></nav>
<article class="section"><h1>{{ category }}</h1>
{% include "_list.html" %}
</article>{% endblock %}
""",
    "tag.html": """{% extends "base.html" %}
{% block title %}{{ tag }} · {{ SITENAME }}{% endblock %}
{% block main %}<h1>Tag: {{ tag }}</h1>
{% include "_list.html" %}{% endblock %}
""",
    "tags.html": """{% extends "base.html" %}
{% block title %}Tags · {{ SITENAME }}{% endblock %}
{% block main %}<h1>Tags</h1>
<ul class="tag-list">
{% for tag, items in tags|sort %}<li><a href="{{ SITEURL }}/{{ tag.url }}" rel="tag">{{ tag }}</a> ({{ items|length }})</li>
{% endfor %}</ul>{% endblock %}
""",
}


def _pelican_body(body: str) -> str:
    """Pelican links to other content with `{filename}<path relative to this file>`."""
    return body.replace("](../", "]({filename}../")


def _pelican_meta(doc: Doc, slug: str, category: str | None) -> str:
    lines = [f"Title: {doc.title}"]
    if doc.date:
        lines.append(f"Date: {doc.date.isoformat()}")
    if category:
        lines.append(f"Category: {category}")
    if doc.tags:
        lines.append("Tags: " + ", ".join(doc.tags))
    if doc.summary:
        lines.append(f"Summary: {doc.summary}")
    if doc.weight:
        lines.append(f"Weight: {doc.weight}")
    lines += [f"Slug: {slug}", f"Lang: {doc.lang}"]
    return "\n".join(lines) + "\n\n"


def write_pelican(docs: list[Doc], root: Path) -> None:
    """A Pelican site: pelicanconf.py (i18n_subsites: one sub-site per language), content and a minimal theme.

    Pages are articles in content/<lang>/<section>/ (the category is the localised section title); section and
    home `_index.md` files become Pelican pages. Translations pair by slug.
    """
    _reset(root)
    made: set[Path] = set()
    titles = {folder: (vi, en) for folder, vi, en in SECTIONS}
    _write(root / "pelicanconf.py", _PELICAN_CONF.format(
        sitename=_q(LANG_META["vi"]["title"]), sitename_en=_q(LANG_META["en"]["title"]),
        siteurl=BASE_URL.rstrip("/"), pagination=PAGINATION, feed_items=FEED_ITEMS), made)
    for name, text in _PELICAN_TEMPLATES.items():
        _write(root / "theme" / "templates" / name, text, made)
    for doc in docs:
        if doc.rel.endswith("_index.md"):
            slug = f"section-{doc.section}" if doc.section else "home"
            text = _pelican_meta(doc, slug, None) + doc.body
            _write(root / "content" / doc.lang / "pages" / f"{slug}.md", text, made)
            continue
        category = titles[doc.section][LANGS.index(doc.lang)]
        slug = doc.rel.rsplit("/", 1)[-1][:-3]
        text = _pelican_meta(doc, slug, category) + _pelican_body(doc.body)
        _write(root / "content" / doc.lang / doc.rel, text, made)


def generate(root: Path, pages_per_lang: int, seed: int = 1, hugo: Path | None = None,
             pelican: Path | None = None, sitegen_src: Path = REPO, search: bool = False,
             shape: str = "articles") -> None:
    """Write the sitegen corpus into `root` (replacing it), and the Hugo and Pelican copies if asked.

    `sitegen_src` is the sitegen checkout the site is for: site.yaml uses only keys that it knows.
    `search` turns sitegen's search index on (it is off by default: the peers build none).
    """
    docs = documents(pages_per_lang, seed, shape)
    write_sitegen(docs, root, sitegen_src, search)
    if hugo is not None:
        write_hugo(docs, hugo)
    if pelican is not None:
        write_pelican(docs, pelican)


@dataclass(frozen=True)
class CorpusDirs:
    """Where one generated corpus lives: the sitegen site and, when made, its Hugo and Pelican copies."""

    site: Path
    hugo: Path
    pelican: Path
    markdown_files: int  # content files of the sitegen site (pages, sections and homes of both languages)


def ensure(base: Path, pages_per_lang: int, seed: int = 1, peers: bool = False,
           sitegen_src: Path = REPO, search: bool = False, shape: str = "articles") -> CorpusDirs:
    """Generate the corpus under `base` unless a stamp shows it is already there for these settings.

    The stamp holds N, the seed, whether the peers' copies were written and a hash of this file, so a change to
    the generator of the corpus regenerates it.
    """
    dirs = CorpusDirs(base / "site", base / "hugo", base / "pelican", len(documents_index(pages_per_lang)))
    stamp_file = base / "stamp.json"
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    wanted = {"pages": pages_per_lang, "seed": seed, "peers": peers, "source": source, "shape": shape,
              "sitegen_feeds": sitegen_supports("feeds", sitegen_src),
              "sitegen_search": sitegen_supports("search", sitegen_src) and search,
              "sitegen_precompress": sitegen_supports("precompress", sitegen_src)}
    try:
        have = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        have = None
    if have == wanted and dirs.site.is_dir() and (not peers or (dirs.hugo.is_dir() and dirs.pelican.is_dir())):
        return dirs
    if stamp_file.exists():
        stamp_file.unlink()
    generate(dirs.site, pages_per_lang, seed, dirs.hugo if peers else None, dirs.pelican if peers else None,
             sitegen_src, search, shape)
    stamp_file.write_text(json.dumps(wanted), encoding="utf-8")
    return dirs


def documents_index(pages_per_lang: int) -> list[tuple[str, str]]:
    """(language, relative path) of every content file, without generating any text."""
    rels = ["_index.md"] + [f"{folder}/_index.md" for folder, _, _ in SECTIONS]
    rels += [page_rel(i) for i in range(pages_per_lang)]
    return [(lang, rel) for lang in LANGS for rel in rels]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, required=True, help="pages per language")
    parser.add_argument("--out", type=Path, required=True, help="folder for the sitegen site (replaced)")
    parser.add_argument("--hugo", type=Path, help="folder for the Hugo copy (replaced)")
    parser.add_argument("--pelican", type=Path, help="folder for the Pelican copy (replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search", action="store_true", help="turn sitegen's search index on (default off)")
    parser.add_argument("--shape", choices=SHAPES, default="articles",
                        help="articles (about 800 words, H2, a list, a table; the default) or reports (600-1,000 "
                             "words, H2 and H3, bullet and numbered lists, a 4 x 5 table, 5-8 tags)")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    generate(args.out, args.pages, args.seed, args.hugo, args.pelican, search=args.search, shape=args.shape)
    md = sum(1 for _ in args.out.rglob("*.md"))
    print(f"wrote {md} Markdown files ({args.pages} pages per language) into {args.out}"
          + (f", {args.hugo}" if args.hugo else "") + (f", {args.pelican}" if args.pelican else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
