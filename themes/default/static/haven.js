// Haven default theme: small progressive enhancements. Everything works without it.
// WCAG 2.2 SC 1.4.13: a glossary preview shown on hover/focus can be dismissed with Esc.
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    document.querySelectorAll(".term").forEach(function (t) { t.classList.add("tip-dismissed"); });
  });
  // A preview near the window's edge moves back inside it (at any width).
  function fit(term) {
    var tip = term.querySelector(".term-tip");
    if (!tip) return;
    tip.style.left = "";
    var r = tip.getBoundingClientRect();
    if (r.width === 0) return;
    var gap = 8, shift = 0;
    if (r.right > window.innerWidth - gap) shift = window.innerWidth - gap - r.right;
    if (r.left + shift < gap) shift = gap - r.left;
    if (shift) tip.style.left = shift + "px";
  }
  function reset(ev) {
    var t = ev.target.closest && ev.target.closest(".term");
    if (t) {
      t.classList.remove("tip-dismissed");
      fit(t);
    }
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
