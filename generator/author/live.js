// qbank serve only: never part of a published site. Reloads the page when the site is
// rebuilt, and shows what the author must know: problems, or snippets being verified.
(function () {
  "use strict";
  var box = null;
  var seen = null;

  function panel() {
    if (box) return box;
    box = document.createElement("aside");
    box.id = "qbank-live";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    box.style.cssText =
      "position:fixed;left:0;right:0;bottom:0;z-index:99999;max-height:45vh;overflow:auto;" +
      "margin:0;padding:.75rem 1rem;font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap;" +
      "background:#1f1f1f;color:#f5f5f5;border-top:4px solid #d93025";
    document.body.appendChild(box);
    return box;
  }

  function show(state) {
    if (state.phase === "ready") {
      if (box) { box.remove(); box = null; }
      return;
    }
    var el = panel();
    if (state.phase === "building") {
      el.style.borderTopColor = "#f9ab00";
      el.textContent = "building the site\u2026";
    } else if (state.phase === "verifying") {
      el.style.borderTopColor = "#f9ab00";
      el.textContent = "verifying\u2026 " + state.verifying + " question(s) being run";
    } else {
      el.style.borderTopColor = "#d93025";
      el.textContent = "qbank: " + state.problems.length + " problem(s)\n" + state.problems.join("\n");
    }
  }

  var source = new EventSource("/__qbank__/events");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (seen !== null && state.generation !== seen) {
      source.close();
      window.location.reload();
      return;
    }
    seen = state.generation;
    show(state);
  };
})();
