/* Test mode's page: a set drawn for each attempt (kept by attempt.js), answers scored at
 * the end, each reviewed; "answered n of N", a jump to the first unanswered question,
 * and keys 1-8 or A-H to choose on the question in focus. Uses window.qbank (qbank.js,
 * store.js, question.js, draw.js and attempt.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question || !qb.TestAttempts) return;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var on = qb.on;
  var plural = qb.plural;
  var scoreText = qb.scoreText;
  var Question = qb.Question;
  var answer = qb.testAnswer;

  function test(section) {
    var pattern = section.getAttribute("data-pattern");
    var limit = Number(section.getAttribute("data-draw")) || 10;
    var list = one(section, "[data-test-list]");
    var pool = all(list, "article.question").map(function (el) {
      var q = new Question(el);
      q.challenge = el.hasAttribute("data-challenge");
      return q;
    });
    var attempts = new qb.TestAttempts(pattern, pool, limit);
    var status = one(section, "[data-test-status]");
    var summary = one(section, "[data-summary]");
    var finishButton = one(section, '[data-action="finish"]');
    var intro = one(section, "[data-test-intro]");
    var bar = one(section, "[data-test-bar]");
    var keysNote = one(section, "[data-test-keys]");
    var jumpAfterWarning = one(section, "[data-jump-missing]");
    var armed = false;

    function state() {
      return attempts.current();
    }
    /* The drawn question holding `node`, or null. */
    function holding(node) {
      var s = state();
      return (
        attempts.drawn(s).filter(function (q) {
          return q.contains(node);
        })[0] || null
      );
    }
    /* "Answered n of N", and the way to the first question still unanswered. */
    function count(s) {
      var n = s.questions.length;
      var left = attempts.unanswered(s).length;
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
      attempts.drawn(s).forEach(function (q, i) {
        list.appendChild(q.el);
        show(q.el, true);
        q.number(i + 1);
        q.arrange(s.seed);
      });
    }
    /* What this attempt is made of, and what the Challenge holds back. */
    function describe(s) {
      var n = s.questions.length;
      var finished = attempts.challengeFinished();
      var held = pool.length - Object.keys(attempts.open()).length;
      var from = Object.keys(attempts.open()).length;
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
      attempts.drawn(s).forEach(function (q) {
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
      attempts.save(s);
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
      var q = attempts.unanswered(state())[0];
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
      attempts.finish(s);
      render();
      one(section, "#summary-h").focus();
    });
    on(section, "retake", function () {
      var s = attempts.fresh(state());
      attempts.save(s);
      disarm();
      place(s);
      render();
      var first = attempts.drawn(s)[0];
      if (first) first.focusTitle();
    });
    place(state());
    render();
  }

  all(document, '[data-mode="test"]').forEach(test);
})();
