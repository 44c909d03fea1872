/* Progress on the index, topic pages and overviews: answered and correct questions,
 * last and best test, badges, mistakes waiting for review, all from the browser's storage.
 * Uses window.qbank (qbank.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb) return;
  var KEY = qb.KEY;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var plural = qb.plural;
  var scoreText = qb.scoreText;
  var answerPairs = qb.answerPairs;

  /* Cards and overviews: answered and correct questions, last and best test, badge. */
  function progress() {
    var elements = all(document, "[data-progress]");
    if (!elements.length) return;
    var byPattern = {};
    store.keys().forEach(function (key) {
      if (key.indexOf("q:") !== 0 && key.indexOf("wrong:") !== 0) return;
      var s = store.get(key);
      if (s && typeof s.p === "string") (byPattern[s.p] = byPattern[s.p] || []).push(key);
    });
    elements.forEach(function (el) {
      var pattern = el.getAttribute("data-pattern");
      var pairs = answerPairs(el);
      var ids = {};
      pairs.forEach(function (pair) {
        ids[pair[0]] = true;
      });
      /* Progress on questions this pattern no longer has goes quietly. */
      (byPattern[pattern] || []).forEach(function (key) {
        if (!ids[key.slice(key.indexOf(":") + 1)]) store.remove(key);
      });
      var answered = 0;
      var correct = 0;
      pairs.forEach(function (pair) {
        var s = store.get(KEY.question(pair[0]));
        if (!s || !s.done) return;
        answered++;
        if (s.c === pair[1]) correct++;
      });
      var test = store.get(KEY.test(pattern));
      var tested = !!(test && test.v === 2 && test.last && test.best);
      var text = answered
        ? "Answered " + answered + " of " + pairs.length + ", " + correct + " correct."
        : tested
          ? "No practice or challenge answers yet."
          : "Not started.";
      var badge = el.getAttribute("data-badge");
      if (badge && store.get(KEY.badge(pattern))) text += " Badge earned: " + badge + ".";
      one(el, ".progress-text").textContent = text;
      var line = one(el, ".test-score");
      if (line && tested) {
        line.textContent = "Test: last " + scoreText(test.last) + ", best " + scoreText(test.best) + ".";
        show(line, true);
      }
    });
  }

  /* The index: badges earned and mistakes waiting, from the browser's storage alone. */
  function yours() {
    var list = one(document, "[data-badge-list]");
    var count = one(document, "[data-review-count]");
    if (!list && !count) return;
    var badges = [];
    var wrong = 0;
    store.keys().forEach(function (key) {
      if (key.indexOf("wrong:") === 0) wrong++;
      if (key.indexOf("badge:") !== 0) return;
      var s = store.get(key);
      if (s && typeof s.name === "string") badges.push(s.name);
    });
    if (count && wrong) {
      count.textContent = plural(wrong, "question") + " you last answered wrong " + (wrong === 1 ? "waits" : "wait") + " for you.";
    }
    if (!list) return;
    badges.sort().forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      list.appendChild(item);
    });
    show(one(document, "[data-badges-empty]"), badges.length === 0);
  }

  progress();
  yours();
})();
