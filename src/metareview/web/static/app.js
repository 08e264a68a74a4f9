// metareview: keyboard shortcuts on the screening page (i include, e exclude, m maybe, n next).
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) { return; }
    var el = document.querySelector('[data-key="' + ev.key.toLowerCase() + '"]');
    if (!el) { return; }
    ev.preventDefault();
    el.click();
  });
})();
