// The search page: queries this language's Pagefind index. Vietnamese as people type it: without tone
// marks (Pagefind folds them; pages carry their đ-words with d), and exact-mark matches ranked first.
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const bundle = form.dataset.bundle;
let engines = null;

const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
const say = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k]);

async function load() {
  if (!engines) {
    engines = import(bundle + "pagefind.js").then((pf) => ({
      loose: pf.createInstance({ basePath: bundle, ranking: { diacriticSimilarity: 3 } }),
      exact: pf.createInstance({ basePath: bundle, exactDiacritics: true }),
    }));
  }
  return engines;
}

async function find(query) {
  const { loose, exact } = await load();
  const folded = fold(query);
  const runs = [];
  if (folded !== query) runs.push(exact.search(query)); // typed with marks: exact matches first
  runs.push(loose.search(query));
  if (folded !== query) runs.push(loose.search(folded));
  if (/^".*"$/.test(query.trim())) runs.push(loose.search(query.replace(/"/g, "")));
  const seen = new Map();
  for (const run of await Promise.all(runs)) {
    for (const result of (run && run.results) || []) {
      if (!seen.has(result.id)) seen.set(result.id, result);
    }
  }
  return [...seen.values()].slice(0, 20);
}

function show(items, query) {
  list.replaceChildren();
  for (const data of items) {
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
    list.append(li);
  }
  const n = items.length;
  const template = n === 0 ? form.dataset.none : n === 1 ? form.dataset.one : form.dataset.some;
  status.textContent = say(template, { count: n, query: "“" + query + "”" });
}

let latest = 0;
async function run(query) {
  const ticket = ++latest;
  query = query.trim();
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = form.dataset.loading;
  try {
    const results = await find(query);
    const items = await Promise.all(results.map((r) => r.data()));
    if (ticket === latest) show(items, query);
  } catch (e) {
    status.textContent = form.dataset.error;
  }
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 120);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
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
