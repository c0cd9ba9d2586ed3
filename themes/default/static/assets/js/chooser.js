// The root page: go to the remembered language, else the browser's first matching one.
(function () {
  "use strict";
  var links = document.querySelectorAll("#languages a[data-lang]");
  var byLang = {};
  links.forEach(function (a) {
    byLang[a.dataset.lang] = a.href;
    a.addEventListener("click", function () {
      try { localStorage.setItem("sitegen-lang", a.dataset.lang); } catch (e) { /* private mode */ }
    });
  });
  var chosen = null;
  try { chosen = localStorage.getItem("sitegen-lang"); } catch (e) { chosen = null; }
  if (!chosen || !byLang[chosen]) {
    var wanted = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < wanted.length && !chosen; i++) {
      var code = String(wanted[i]).toLowerCase().split("-")[0];
      if (byLang[code]) { chosen = code; }
    }
  }
  if (chosen && byLang[chosen]) { window.location.replace(byLang[chosen]); }
})();
