/* Progress on the index, topic pages and overviews: answered and correct questions,
 * last and best test, badges, mistakes waiting for review, all from the browser's storage.
 * Uses window.qbank (qbank.js and store.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.store) return;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var plural = qb.plural;
  var scoreText = qb.scoreText;
  var answerPairs = qb.answerPairs;

  /* A question's latest final answer, {choice, at}, in Practice or Challenge (its
   * QuestionRecord) or in a finished Test (an Answer of its TestRecord), or null. A
   * record from before answers were dated counts as the oldest. */
  function latest(record, answer) {
    var found = record && record.done ? { choice: record.choice, at: Number(record.at) || 0 } : null;
    var tested = answer && typeof answer.choice === "string" ? { choice: answer.choice, at: Number(answer.at) || 0 } : null;
    if (!found || (tested && tested.at > found.at)) return tested;
    return found;
  }

  /* Cards and overviews: answered and correct questions (in any mode: the latest answer
   * counts), last and best test, badge. */
  function progress() {
    var elements = all(document, "[data-progress]");
    if (!elements.length) return;
    /* pattern id → [[records, question id], ...]: its questions' records and mistakes. */
    var byPattern = {};
    [store.questions, store.mistakes].forEach(function (records) {
      records.ids().forEach(function (id) {
        var r = records.get(id);
        if (!r || typeof r.pattern !== "string") return;
        (byPattern[r.pattern] = byPattern[r.pattern] || []).push([records, id]);
      });
    });
    elements.forEach(function (el) {
      var pattern = el.getAttribute("data-pattern");
      var pairs = answerPairs(el);
      var ids = {};
      pairs.forEach(function (pair) {
        ids[pair[0]] = true;
      });
      /* Progress on questions this pattern no longer has goes quietly. */
      (byPattern[pattern] || []).forEach(function (kept) {
        if (!ids[kept[1]]) kept[0].remove(kept[1]);
      });
      var test = store.tests.get(pattern);
      var tested = !!(test && test.version === 2 && test.last && test.best);
      var results = test && test.version === 2 && test.results && typeof test.results === "object" ? test.results : {};
      var answered = 0;
      var correct = 0;
      pairs.forEach(function (pair) {
        var last = latest(store.questions.get(pair[0]), results[pair[0]]);
        if (!last) return;
        answered++;
        if (last.choice === pair[1]) correct++;
      });
      var text = answered
        ? "Answered " + answered + " of " + pairs.length + ", " + correct + " correct."
        : tested
          ? "No answers yet."
          : "Not started.";
      var badge = el.getAttribute("data-badge");
      if (badge && store.badges.get(pattern)) text += " Badge earned: " + badge + ".";
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
    var wrong = store.mistakes.ids().length;
    var badges = [];
    store.badges.ids().forEach(function (id) {
      var r = store.badges.get(id);
      if (r && typeof r.name === "string") badges.push(r.name);
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
