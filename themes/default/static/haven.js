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

  // On a phone the navigation is one row that scrolls sideways: show the
  // current section's link instead of leaving it past the edge.
  var nav = document.querySelector(".site-nav");
  var current = nav && nav.querySelector("[aria-current]");
  if (current && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = Math.max(0, current.offsetLeft - nav.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2);
  }
})();
