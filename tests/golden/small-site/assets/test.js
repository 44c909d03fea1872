/* Test mode: a set drawn for each attempt, answers scored at the end, each reviewed.
 * Uses window.qbank (qbank.js, store.js and question.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question) return;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var on = qb.on;
  var plural = qb.plural;
  var scoreText = qb.scoreText;
  var Question = qb.Question;
  var noteAnswer = qb.noteAnswer;
  var newSeed = qb.newSeed;
  var random = qb.random;
  var shuffled = qb.shuffled;
  var BANDS = ["easy", "medium", "hard"];

  /* Each attempt draws its own set from the pattern's whole pool, spread over the
   * difficulty bands, and its own order of choices; its seed and the ids it drew are
   * kept with its answers (a TestRecord), so a reload shows the same test. */
  function test(section) {
    var pattern = section.getAttribute("data-pattern");
    var limit = Number(section.getAttribute("data-draw")) || 10;
    var list = one(section, "[data-test-list]");
    var pool = all(list, "article.question").map(function (el) {
      return new Question(el);
    });
    var byId = {};
    pool.forEach(function (q) {
      byId[q.id] = q;
    });
    var status = one(section, "[data-test-status]");
    var summary = one(section, "[data-summary]");
    var finishButton = one(section, '[data-action="finish"]');
    var armed = false;

    /* Round robin over the bands (each shuffled by the seed) until `limit` are drawn;
     * shown easy first, in the author's order within a band. */
    function draw(seed) {
      var next = random(seed, "draw");
      var bands = {};
      BANDS.forEach(function (band) {
        bands[band] = [];
      });
      pool.forEach(function (q) {
        (bands[q.band] || bands.medium).push(q);
      });
      var pools = BANDS.map(function (band) {
        return shuffled(bands[band], next);
      });
      var chosen = {};
      var count = 0;
      var want = Math.min(limit, pool.length);
      while (count < want) {
        pools.forEach(function (left) {
          if (left.length && count < want) {
            chosen[left.shift().id] = true;
            count++;
          }
        });
      }
      var ids = [];
      BANDS.forEach(function (band) {
        bands[band].forEach(function (q) {
          if (chosen[q.id]) ids.push(q.id);
        });
      });
      return ids;
    }
    /* A new attempt; never the same set as the one before when the pool has others. */
    function fresh(old) {
      var before = old && old.questions ? old.questions.slice().sort().join(" ") : null;
      var seed = newSeed();
      var ids = draw(seed);
      for (var tries = 0; tries < 20 && ids.slice().sort().join(" ") === before; tries++) {
        seed = newSeed();
        ids = draw(seed);
      }
      return {
        version: 2,
        seed: seed,
        questions: ids,
        answers: {},
        done: false,
        last: old && old.last,
        best: old && old.best
      };
    }
    /* The running attempt, started on the first visit. Questions no longer in the pattern
     * and answers naming a choice that no longer exists are dropped. */
    function state() {
      var s = store.tests.get(pattern);
      if (!s || s.version !== 2 || !Array.isArray(s.questions)) {
        s = fresh(null);
        store.tests.set(pattern, s);
        return s;
      }
      var ids = s.questions.filter(function (id) {
        return Object.prototype.hasOwnProperty.call(byId, id);
      });
      var answers = {};
      var changed = ids.length !== s.questions.length;
      Object.keys(s.answers || {}).forEach(function (id) {
        if (ids.indexOf(id) >= 0 && byId[id].has(s.answers[id])) answers[id] = s.answers[id];
        else changed = true;
      });
      s.questions = ids;
      s.answers = answers;
      if (!ids.length) s = fresh(s);
      if (changed || !ids.length) store.tests.set(pattern, s);
      return s;
    }
    function drawn(s) {
      return s.questions.map(function (id) {
        return byId[id];
      });
    }
    function answer(s, q) {
      return s.answers[q.id] === undefined ? null : s.answers[q.id];
    }
    function place(s) {
      pool.forEach(function (q) {
        show(q.el, false);
      });
      drawn(s).forEach(function (q, i) {
        list.appendChild(q.el);
        show(q.el, true);
        q.number(i + 1);
        q.arrange(s.seed);
      });
    }
    function render() {
      var s = state();
      var correct = 0;
      drawn(s).forEach(function (q) {
        q.reset();
        var chosen = answer(s, q);
        q.select(chosen);
        if (!s.done) return;
        if (q.right(chosen)) correct++;
        q.lock(true);
        q.mark(chosen, true);
        q.showWhy(chosen);
        var review = one(q.el, "[data-review]");
        review.textContent = "";
        var mine = document.createElement("p");
        var right = document.createElement("p");
        if (chosen === null) mine.textContent = "✗ You did not answer this question.";
        else if (q.right(chosen)) mine.textContent = "✓ Your answer: " + q.letterOf(chosen) + ", correct.";
        else mine.textContent = "✗ Your answer: " + q.letterOf(chosen) + ", wrong.";
        right.textContent = "Correct answer: " + q.letter(q.answer) + ".";
        mine.className = q.right(chosen) ? "review-ok" : "review-wrong";
        review.appendChild(mine);
        if (!q.right(chosen)) review.appendChild(right);
        show(review, true);
        q.showSolution(true);
      });
      show(summary, !!s.done);
      show(finishButton, !s.done);
      if (s.done) {
        one(summary, "[data-summary-text]").textContent =
          "You scored " + scoreText({ correct: correct, total: s.questions.length }) + ".";
        var best = s.best && s.last && (s.best.correct !== s.last.correct || s.best.total !== s.last.total);
        one(summary, "[data-best]").textContent = best ? "Your best: " + scoreText(s.best) + "." : "";
        status.textContent = "";
      }
    }

    section.addEventListener("change", function (event) {
      var radio = event.target;
      if (!radio.matches('input[type="radio"]')) return;
      var q = pool.filter(function (x) {
        return x.contains(radio);
      })[0];
      var s = state();
      if (!q || s.done) return;
      s.answers[q.id] = radio.value;
      store.tests.set(pattern, s);
      disarm();
    });
    /* A new answer changes what is missing: the warning and "Finish anyway" go. */
    function disarm() {
      armed = false;
      finishButton.textContent = "Finish test and see score";
      status.textContent = "";
    }
    on(section, "finish", function () {
      var s = state();
      var missing = s.questions.filter(function (id) {
        return s.answers[id] === undefined;
      }).length;
      if (missing && !armed) {
        armed = true;
        status.textContent =
          plural(missing, "question") + " not answered yet. Select “Finish anyway” to finish now; unanswered questions count as wrong.";
        finishButton.textContent = "Finish anyway";
        return;
      }
      var questions = drawn(s);
      var correct = questions.filter(function (q) {
        return q.right(answer(s, q));
      }).length;
      var n = questions.length;
      s.done = true;
      s.last = { correct: correct, total: n, at: Date.now() };
      if (!s.best || correct * s.best.total > s.best.correct * n) s.best = { correct: correct, total: n };
      store.tests.set(pattern, s);
      questions.forEach(function (q) {
        noteAnswer(q, pattern, answer(s, q), "test");
      });
      render();
      one(section, "#summary-h").focus();
    });
    on(section, "retake", function () {
      var s = fresh(state());
      store.tests.set(pattern, s);
      disarm();
      place(s);
      render();
      var first = drawn(s)[0];
      if (first) first.focusTitle();
    });
    place(state());
    render();
  }

  all(document, '[data-mode="test"]').forEach(test);
})();
