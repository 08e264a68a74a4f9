// metareview: keyboard shortcuts on the screening pages (i include, e exclude, m maybe,
// n next; 1-9 choose the exclusion reason). An exclude button marked data-needs-reason
// (full-text screening) is not pressed before a reason is chosen.
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
    if (el.tagName.toLowerCase() === "option") {
      var sel = el.parentNode;
      sel.value = el.value;
      sel.classList.remove("needs-reason");
      var note = document.getElementById("reason-needed");
      if (note) { note.hidden = true; }
      return;
    }
    var needs = el.getAttribute("data-needs-reason");
    if (needs) {
      var select = document.getElementById(needs);
      if (select && !select.value) {
        select.classList.add("needs-reason");
        var hint = document.getElementById("reason-needed");
        if (hint) { hint.hidden = false; }
        select.focus();
        return;
      }
    }
    el.click();
  });
})();
