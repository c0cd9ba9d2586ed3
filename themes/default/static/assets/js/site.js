// sitegen default theme: small progressive enhancements. Every page works without JavaScript:
// the menu is then always open (nojs.css), and directory filters are hidden (nojs.css) while the full list shows.
(function () {
  "use strict";

  // Remember the language a visitor picks in the switcher, for the root page's redirect.
  document.querySelectorAll(".switcher a[data-lang]").forEach(function (a) {
    a.addEventListener("click", function () {
      try { localStorage.setItem("sitegen-lang", a.dataset.lang); } catch (e) { /* private mode */ }
    });
  });

  // On narrow screens the stylesheet folds the main menu behind its button from the first paint; this
  // opens and closes it. (Without JavaScript, nojs.css shows the menu and hides the button.)
  var nav = document.querySelector(".menu");
  var toggle = nav && nav.querySelector(".menu-toggle");
  if (toggle) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && nav.classList.contains("is-open")) { setOpen(false); toggle.focus(); }
    });
  }

  // Directory filters: each select keeps the rows whose data-<name> (a "|"-separated list) has its value.
  document.querySelectorAll("form[data-filter]").forEach(function (form) {
    var target = document.getElementById(form.dataset.filter);
    if (!target) { return; }
    var rows = target.querySelectorAll("[data-item]");
    var selects = form.querySelectorAll("select");
    var status = form.querySelector(".filter-status");
    var empty = document.getElementById(form.dataset.filter + "-empty");
    var apply = function (announce) {
      var shown = 0;
      rows.forEach(function (row) {
        var keep = true;
        selects.forEach(function (select) {
          var values = (row.getAttribute("data-" + select.name) || "").split("|");
          if (select.value && values.indexOf(select.value) < 0) { keep = false; }
        });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      if (status && announce !== false) {
        status.textContent = form.dataset.msg.replace("{shown}", shown).replace("{total}", rows.length);
      }
      if (empty) { empty.hidden = shown > 0; }
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    apply(false); // selections kept by the browser on "back" apply at once, without an announcement
  });

  // A table wider than its column scrolls in its own box: keyboard users can then focus it and scroll.
  var focusWideTables = function () {
    document.querySelectorAll(".prose table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth) { table.tabIndex = 0; } else { table.removeAttribute("tabindex"); }
    });
  };
  focusWideTables();
  window.addEventListener("resize", focusWideTables);
})();
