// Haven default theme: small progressive enhancements. Everything works without it.
// WCAG 2.2 SC 1.4.13: a glossary preview shown on hover/focus can be dismissed with Esc.
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    document.querySelectorAll(".term").forEach(function (t) { t.classList.add("tip-dismissed"); });
  });
  function reset(ev) {
    var t = ev.target.closest && ev.target.closest(".term");
    if (t) t.classList.remove("tip-dismissed");
  }
  document.addEventListener("mouseover", reset);
  document.addEventListener("focusin", reset);
})();
