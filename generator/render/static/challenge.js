/* Challenge mode: a timer and limited attempts per question, a score, the badge.
 * Uses window.qbank (qbank.js, store.js, question.js and pager.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question || !qb.Pager) return;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var on = qb.on;
  var clock = qb.clock;
  var plural = qb.plural;
  var Question = qb.Question;
  var Pager = qb.Pager;
  var record = qb.record;
  var noteAnswer = qb.noteAnswer;
  var hints = qb.hints;
  var newSeed = qb.newSeed;
  var THRESHOLDS = [60, 30, 10];

  /* An attempt of a question starts when it is first shown after "Start": its clock and
   * its order of choices (seeded, kept in its QuestionRecord) last until "Try again". */
  function challenge(section) {
    var pattern = section.getAttribute("data-pattern");
    var badge = section.getAttribute("data-badge");
    var announcer = one(section, "[data-announce]");
    var questions = all(section, "article.question").map(function (el) {
      var q = new Question(el);
      q.limit = Number(el.getAttribute("data-time"));
      q.attempts = Number(el.getAttribute("data-attempts"));
      q.timer = one(el, "[data-timer]");
      q.announced = Infinity;
      return q;
    });
    var current = null;
    var pager = new Pager(section, questions, function (q) {
      current = q;
      begin(q);
      tick();
    });
    hints(section);

    function state(q) {
      return record(q) || { tries: 0, done: false };
    }
    function save(q, s) {
      s.pattern = pattern;
      store.questions.set(q.id, s);
    }
    function chosen(s) {
      return s.choice === undefined ? null : s.choice;
    }
    function announce(text) {
      if (announcer) announcer.textContent = text;
    }
    function remaining(q, s) {
      if (!s.startedAt) return q.limit;
      return q.limit - Math.floor((Date.now() - s.startedAt) / 1000);
    }
    function begin(q) {
      var s = state(q);
      if (s.done || s.startedAt) return;
      s.startedAt = Date.now();
      s.seed = newSeed();
      save(q, s);
      q.announced = Infinity;
      q.arrange(s.seed);
    }

    function render(q) {
      var s = state(q);
      q.arrange(s.seed);
      var left = q.attempts - (s.tries || 0);
      one(q.el, "[data-attempts-left]").textContent = String(Math.max(0, left));
      q.lock(!!s.done);
      var shown = chosen(s);
      if (s.done) {
        if (shown !== null) q.select(shown);
        q.mark(shown, true);
        q.showWhy(shown);
        var right = "The correct answer is " + q.letter(q.answer) + ".";
        if (q.right(shown)) q.say("✓ Correct! " + q.letter(q.answer) + " is right.", "ok");
        else if (s.timedOut) q.say("Time is up: this question counts as missed. " + right, "wrong");
        else q.say("✗ No attempts left. " + right, "wrong");
        q.showSolution(true);
        q.timer.textContent = s.timedOut ? "0:00" : clock(remaining(q, s) < 0 ? 0 : remaining(q, s));
        if (s.timedOut) q.timer.parentNode.classList.add("timer-out");
      } else {
        q.timer.textContent = clock(remaining(q, s));
        if (shown !== null) {
          q.mark(shown, false);
          q.showWhy(shown);
          q.say("✗ Not quite. " + plural(left, "attempt") + " left.", "wrong");
        }
      }
    }

    function finish(q, s, focusFeedback) {
      if (s.done) s.at = Date.now();
      save(q, s);
      if (s.done) noteAnswer(q, pattern, chosen(s), "challenge");
      render(q);
      var complete = score();
      if (focusFeedback) q.feedback.focus();
      if (complete && s.done) announce(one(section, "[data-summary-text]").textContent);
    }

    function tick() {
      var q = current;
      if (!q || q.el.hidden) return;
      var s = state(q);
      if (s.done || !s.startedAt) return;
      var left = remaining(q, s);
      q.timer.textContent = clock(left);
      q.timer.parentNode.classList.toggle("timer-low", left <= 10);
      if (left <= 0) {
        s.done = true;
        s.timedOut = true;
        var hadFocus = q.contains(document.activeElement);
        finish(q, s, hadFocus);
        announce("Time is up for question " + (questions.indexOf(q) + 1) + ". It counts as missed.");
        return;
      }
      for (var i = 0; i < THRESHOLDS.length; i++) {
        var t = THRESHOLDS[i];
        if (left <= t && t < q.announced && t < q.limit) {
          q.announced = t;
          if (left > t - 2) announce((t === 60 ? "1 minute" : t + " seconds") + " remaining.");
        }
      }
    }

    function score() {
      var correct = 0;
      var done = 0;
      questions.forEach(function (q) {
        var s = state(q);
        if (s.done) done++;
        if (s.done && q.right(chosen(s))) correct++;
      });
      var n = questions.length;
      one(section, "[data-score]").textContent = "Score: " + correct + " of " + n;
      var earned = correct === n && n > 0;
      if (earned && badge && !store.badges.get(pattern)) {
        store.badges.set(pattern, { name: badge });
        announce("Badge earned: " + badge + "!");
      }
      var status = one(section, "[data-badge-status]");
      var card = one(section, "[data-badge-card]");
      var have = !!store.badges.get(pattern);
      if (status) status.textContent = have ? "Badge earned!" : "Get all challenges correct to earn this badge!";
      if (card) card.classList.toggle("badge-earned", have);
      var summary = one(section, "[data-summary]");
      show(summary, done === n);
      if (done === n) {
        var text = "You answered " + correct + " of " + n + " questions correctly.";
        if (badge) text += earned ? " You earned the " + badge + " badge!" : " Answer every question correctly to earn the " + badge + " badge.";
        one(summary, "[data-summary-text]").textContent = text;
      }
      return done === n;
    }

    questions.forEach(function (q) {
      render(q);
      on(q.el, "check", function () {
        tick();
        var s = state(q);
        if (s.done) return;
        var picked = q.selected();
        if (picked === null) {
          q.say("Choose an answer first.", "info");
          return;
        }
        s.tries = (s.tries || 0) + 1;
        s.choice = picked;
        if (q.right(picked) || s.tries >= q.attempts) s.done = true;
        finish(q, s, s.done);
      });
    });

    var start = one(section, "[data-start]");
    function run(index, focus) {
      show(start, false);
      pager.go(index, focus);
    }
    on(section, "start", function () {
      run(pager.index, true);
    });
    on(section, "restart", function () {
      questions.forEach(function (q) {
        store.questions.remove(q.id);
        q.reset();
        render(q);
      });
      score();
      run(0, true);
    });

    var started = questions.some(function (q) {
      return !!record(q);
    });
    score();
    var target = pager.hashTarget();
    if (started || target >= 0) {
      var first = 0;
      for (var i = 0; i < questions.length; i++) {
        if (!state(questions[i]).done) {
          first = i;
          break;
        }
      }
      if (target >= 0 && started) first = target;
      if (target >= 0 && !started) {
        pager.index = target;
        one(start, '[data-action="start"]').textContent = "Start challenge at question " + (target + 1);
      } else {
        run(first, false);
      }
    }
    window.setInterval(tick, 1000);
  }

  all(document, '[data-mode="challenge"]').forEach(challenge);
})();
