/* Test mode: a set drawn for each attempt, answers scored at the end, each reviewed;
 * "answered n of N", a jump to the first unanswered question, and keys 1-8 or A-H to
 * choose on the question in focus. Uses window.qbank (qbank.js, store.js, question.js
 * and draw.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question || !qb.drawAttempt) return;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var on = qb.on;
  var plural = qb.plural;
  var scoreText = qb.scoreText;
  var Question = qb.Question;
  var noteAnswer = qb.noteAnswer;

  /* Each attempt draws its own set from the pattern's pool, spread over the difficulty
   * bands, in an order of its own and with its own order of choices; its seed and the
   * ids it drew are kept with its answers (a TestRecord), so a reload shows the same
   * test. The pool is the Practice questions, and the Challenge's once the learner has
   * finished the Challenge: no Test shows a Challenge answer before the Challenge does. */
  function test(section) {
    var pattern = section.getAttribute("data-pattern");
    var limit = Number(section.getAttribute("data-draw")) || 10;
    var list = one(section, "[data-test-list]");
    var pool = all(list, "article.question").map(function (el) {
      var q = new Question(el);
      q.challenge = el.hasAttribute("data-challenge");
      return q;
    });
    var byId = {};
    pool.forEach(function (q) {
      byId[q.id] = q;
    });
    var status = one(section, "[data-test-status]");
    var summary = one(section, "[data-summary]");
    var finishButton = one(section, '[data-action="finish"]');
    var intro = one(section, "[data-test-intro]");
    var bar = one(section, "[data-test-bar]");
    var keysNote = one(section, "[data-test-keys]");
    var jumpAfterWarning = one(section, "[data-jump-missing]");
    var armed = false;

    function challengeFinished() {
      return pool.every(function (q) {
        var r = q.challenge ? qb.record(q) : null;
        return !q.challenge || !!(r && r.done);
      });
    }
    /* The questions an attempt may draw now, by id. */
    function open() {
      var finished = challengeFinished();
      var ids = {};
      pool.forEach(function (q) {
        if (finished || !q.challenge) ids[q.id] = true;
      });
      return ids;
    }

    /* A new attempt, drawn from the questions open now (see draw.js). */
    function fresh(old) {
      var drawn = qb.drawAttempt(pool, open(), limit, old);
      return {
        version: 2,
        seed: drawn.seed,
        questions: drawn.questions,
        answers: {},
        done: false,
        last: old && old.last,
        best: old && old.best,
        results: (old && old.results) || {}
      };
    }
    /* The running attempt, started on the first visit. Questions no longer in the pattern
     * (or, in an attempt not finished, drawn from a Challenge the learner has not
     * finished) and answers naming a choice that no longer exists are dropped. */
    function state() {
      var s = store.tests.get(pattern);
      if (!s || s.version !== 2 || !Array.isArray(s.questions)) {
        s = fresh(null);
        store.tests.set(pattern, s);
        return s;
      }
      var allowed = s.done ? byId : open();
      var ids = s.questions.filter(function (id) {
        return Object.prototype.hasOwnProperty.call(allowed, id);
      });
      var answers = {};
      var changed = ids.length !== s.questions.length;
      Object.keys(s.answers || {}).forEach(function (id) {
        if (ids.indexOf(id) >= 0 && byId[id].has(s.answers[id])) answers[id] = s.answers[id];
        else changed = true;
      });
      s.questions = ids;
      s.answers = answers;
      Object.keys(s.results || {}).forEach(function (id) {
        if (Object.prototype.hasOwnProperty.call(byId, id)) return;
        delete s.results[id];
        changed = true;
      });
      if (!ids.length && Object.keys(open()).length) {
        s = fresh(s);
        changed = true;
      }
      if (changed) store.tests.set(pattern, s);
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
    function unanswered(s) {
      return drawn(s).filter(function (q) {
        return answer(s, q) === null;
      });
    }
    /* The drawn question holding `node`, or null. */
    function holding(node) {
      var s = state();
      return (
        drawn(s).filter(function (q) {
          return q.contains(node);
        })[0] || null
      );
    }
    /* "Answered n of N", and the way to the first question still unanswered. */
    function count(s) {
      var n = s.questions.length;
      var left = unanswered(s).length;
      all(section, "[data-answered]").forEach(function (el) {
        el.textContent = "Answered " + (n - left) + " of " + n + ".";
      });
      var running = !s.done && n > 0;
      show(bar, running);
      show(keysNote, running);
      if (bar) show(one(bar, '[data-action="first-unanswered"]'), left > 0);
      show(jumpAfterWarning, running && armed && left > 0);
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
    /* What this attempt is made of, and what the Challenge holds back. */
    function describe(s) {
      var n = s.questions.length;
      var finished = challengeFinished();
      var held = pool.length - Object.keys(open()).length;
      var from = Object.keys(open()).length;
      var text;
      if (!n) {
        text = "This Test is made of the pattern's Challenge questions: finish the Challenge first, so that the Test never shows their answers before the Challenge does.";
      } else {
        text = plural(n, "question") + " from easy to hard, in an order of their own";
        if (from > n) text += ", drawn afresh for each attempt from the pattern's " + from + (finished ? " questions" : " Practice questions");
        else if (!finished) text += ": the pattern's Practice questions";
        text += ".";
        if (held) {
          text += " Its " + plural(held, "Challenge question") + (held === 1 ? " joins" : " join") +
            " the Test once you finish the Challenge, so that the Test never shows their answers before the Challenge does.";
        }
        text += " Answer them all, then finish the test to see your score and a review of every answer.";
      }
      if (intro) intro.textContent = text;
      show(finishButton, n > 0 && !s.done);
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
      describe(s);
      count(s);
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
      var q = holding(radio);
      var s = state();
      if (!q || s.done) return;
      s.answers[q.id] = radio.value;
      store.tests.set(pattern, s);
      disarm();
      count(s);
    });
    /* 1-8 or A-H chooses that answer (by the letter shown) on the question in focus. */
    section.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      var key = String(event.key);
      var at = key.length === 1 ? Math.max("12345678".indexOf(key), "abcdefgh".indexOf(key.toLowerCase())) : -1;
      var q = at < 0 ? null : holding(event.target);
      if (!q || state().done || at >= q.radios.length) return;
      event.preventDefault();
      var radio = q.radios[at];
      radio.checked = true;
      radio.focus();
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    });
    on(section, "first-unanswered", function () {
      var q = unanswered(state())[0];
      if (q) q.focusTitle();
    });
    /* A new answer changes what is missing: the warning and "Finish anyway" go. */
    function disarm() {
      armed = false;
      finishButton.textContent = "Finish test and see score";
      status.textContent = "";
      show(jumpAfterWarning, false);
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
        count(s);
        return;
      }
      var questions = drawn(s);
      var correct = questions.filter(function (q) {
        return q.right(answer(s, q));
      }).length;
      var n = questions.length;
      var now = Date.now();
      s.done = true;
      s.last = { correct: correct, total: n, at: now };
      s.results = s.results || {};
      questions.forEach(function (q) {
        var chosen = answer(s, q);
        if (chosen !== null) s.results[q.id] = { choice: chosen, at: now };
      });
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
