// Remember the language a visitor picks in the switcher, for the root page's redirect.
(function () {
  "use strict";
  document.querySelectorAll(".switcher a[data-lang]").forEach(function (a) {
    a.addEventListener("click", function () {
      try { localStorage.setItem("sitegen-lang", a.dataset.lang); } catch (e) { /* private mode */ }
    });
  });
})();
