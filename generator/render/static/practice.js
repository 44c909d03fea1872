/* Practice mode: worked solutions; each answer is kept until "Try again", and the view
 * (one question at a time or all in a list) is kept as a setting. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question || !qb.Pager) return;
  var store = qb.store;

  function practice(section) {
    var pattern = section.getAttribute("data-pattern");
    var questions = qb.all(section, "article.question").map(function (el) {
      return new qb.Question(el);
    });
    var pager = new qb.Pager(section, questions);
    qb.hints(section);

    questions.forEach(function (q) {
      qb.answerable(q, {
        get: function () {
          return qb.record(q);
        },
        save: function (key) {
          store.questions.set(q.id, { pattern: pattern, choice: key, done: true, at: Date.now() });
          qb.noteAnswer(q, pattern, key, "practice");
        },
        forget: function () {
          store.questions.remove(q.id);
        }
      });
    });

    function setView(single, focus) {
      pager.single = single;
      qb.all(section, ".view-switch [data-action]").forEach(function (button) {
        var pressed = (button.getAttribute("data-action") === "view-one") === single;
        button.setAttribute("aria-pressed", String(pressed));
      });
      store.settings.set("view", single ? "one" : "all");
      pager.go(pager.index, focus);
    }
    qb.on(section, "view-one", function () {
      setView(true, false);
    });
    qb.on(section, "view-all", function () {
      setView(false, false);
    });
    var target = pager.hashTarget();
    pager.index = target < 0 ? 0 : target;
    setView(store.settings.get("view") !== "all", false);
    if (target >= 0) questions[target].el.scrollIntoView();
  }

  qb.all(document, '[data-mode="practice"]').forEach(practice);
})();
