// The search page: queries this language's Pagefind index. Vietnamese as people type it: without tone
// marks (Pagefind folds them) and with d for đ (Pagefind does not fold that letter, so each word that
// starts with d is also tried with đ: "dong xam" is searched as "đong xam" too, which finds and marks
// "Đồng Xâm"). Matches with the very marks typed are ranked first. Results come 20 at a time.
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const more = document.getElementById("search-more");
const bundle = form.dataset.bundle;
const PAGE = 20;
let engines = null;

const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
const say = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k]);

// Two Pagefind instances (marks loose, marks exact) share Pagefind's one worker, whose WebAssembly glue is
// not safe to start twice at once (the later start replaces the earlier's memory, whose searches may then
// find nothing): the second is made once the first is ready (a search waits), and reuses the module.
async function load() {
  if (!engines) {
    engines = import(bundle + "pagefind.js").then(async (pf) => {
      const loose = pf.createInstance({ basePath: bundle, ranking: { diacriticSimilarity: 3 } });
      await loose.search("");
      const exact = pf.createInstance({ basePath: bundle, exactDiacritics: true });
      return { loose, exact };
    });
    engines.catch(() => {
      engines = null; // a failed load (the network, say) is tried again by the next search
    });
  }
  return engines;
}

// The query with each word that starts with d (up to four of them) also written with đ.
function dVariants(query) {
  const words = query.split(/\s+/).filter(Boolean);
  const at = words.map((w, i) => (/^d/i.test(w) ? i : -1)).filter((i) => i >= 0).slice(0, 4);
  const out = [];
  for (let mask = 1; mask < 1 << at.length; mask++) {
    const copy = words.slice();
    at.forEach((i, bit) => {
      if (mask & (1 << bit)) copy[i] = (copy[i][0] === "D" ? "Đ" : "đ") + copy[i].slice(1);
    });
    out.push(copy.join(" "));
  }
  return out;
}

async function find(query) {
  const { loose, exact } = await load();
  const folded = fold(query);
  const bare = query.replace(/"/g, "");
  const first = folded !== query ? (await exact.search(query)).results || [] : [];
  const loosely = [loose.search(query)];
  if (folded !== query) loosely.push(loose.search(folded));
  if (bare !== query) loosely.push(loose.search(bare));
  for (const v of dVariants(fold(bare))) loosely.push(loose.search(v));
  // Scores of different runs are not on one scale: each run's are taken relative to its best.
  const best = new Map();
  for (const run of await Promise.all(loosely)) {
    const results = (run && run.results) || [];
    const top = results.length ? results[0].score || 1 : 1;
    for (const result of results) {
      const rank = result.score / top;
      const seen = best.get(result.id);
      if (!seen || rank > seen.rank) best.set(result.id, { result, rank });
    }
  }
  const ranked = [...best.values()].sort((a, b) => b.rank - a.rank).map((x) => x.result);
  const exactIds = new Set(first.map((r) => r.id));
  // an exact match keeps the loose run's result when that one marks more (e.g. both words)
  const byId = new Map(ranked.map((r) => [r.id, r]));
  return [...first.map((r) => byId.get(r.id) || r), ...ranked.filter((r) => !exactIds.has(r.id))];
}

function item(data) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  const h = document.createElement("h2");
  h.append(a);
  li.append(h);
  if (data.meta.section) {
    const section = document.createElement("p");
    section.className = "meta";
    section.textContent = data.meta.section;
    li.append(section);
  }
  const excerpt = document.createElement("p");
  // Pagefind's excerpt is the page's own escaped text with <mark> around the matches.
  excerpt.innerHTML = data.excerpt;
  li.append(excerpt);
  return li;
}

// One search at a time is shown: each run takes a ticket, and only the latest run's results are drawn.
// A run's list and status are drawn together, once the page details are loaded, so the list is never
// empty between two runs and the status never counts another run's results. #search-results is
// aria-busy while a run or "Show more" is under way.
let latest = 0;
let found = [];
let shown = 0;
let lastQuery = "";
let current = null; // the query of the latest run, set when it starts
let pendingMore = null; // a "Show more" under way

async function showMore(ticket, fresh) {
  const next = found.slice(shown, shown + PAGE);
  const items = await Promise.all(next.map((r) => r.data()));
  if (ticket !== latest) return null;
  const nodes = items.map(item);
  if (fresh) list.replaceChildren(...nodes);
  else list.append(...nodes);
  shown += items.length;
  const n = found.length;
  const template = n === 0 ? form.dataset.none : n === 1 ? form.dataset.one : form.dataset.some;
  let text = say(template, { count: n, query: "“" + lastQuery + "”" });
  if (n > shown) text += " " + say(form.dataset.showing, { shown: shown, count: n });
  status.textContent = text;
  more.hidden = n <= shown;
  list.setAttribute("aria-busy", "false");
  return nodes[0] || null;
}

async function run(query) {
  query = query.trim();
  if (query === current) return; // already shown or under way (Enter after typing, say)
  current = query;
  const ticket = ++latest;
  more.hidden = true;
  if (!query) {
    list.replaceChildren();
    list.setAttribute("aria-busy", "false");
    status.textContent = "";
    return;
  }
  list.setAttribute("aria-busy", "true");
  status.textContent = form.dataset.loading;
  try {
    const results = await find(query);
    if (ticket !== latest) return;
    found = results;
    shown = 0;
    lastQuery = query;
    await showMore(ticket, true);
  } catch (e) {
    if (ticket === latest) {
      current = null; // the same query may be tried again
      list.replaceChildren();
      list.setAttribute("aria-busy", "false");
      status.textContent = form.dataset.error;
    }
  }
}

more.addEventListener("click", async () => {
  if (pendingMore) return; // a second click while the first one's results load would repeat them
  const ticket = latest;
  list.setAttribute("aria-busy", "true");
  pendingMore = showMore(ticket, false).catch(() => null);
  const firstNew = await pendingMore;
  pendingMore = null;
  if (ticket === latest) list.setAttribute("aria-busy", "false");
  const link = firstNew && firstNew.querySelector("a");
  if (link) link.focus(); // the keyboard goes on from the first new result
});

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 120);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer); // the typing's own run would only repeat this one
  const url = new URL(window.location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});
const initial = new URLSearchParams(window.location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
