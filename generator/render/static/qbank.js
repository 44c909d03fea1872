/* qbank learner site: practice, challenge and test modes, progress, search.
 * No framework and no inline script: pages carry their data in data-* attributes.
 * Progress lives in localStorage under "qbank:<bank-slug>:<kind>:<id>" (see KEY). */
(function () {
  "use strict";

  var PREFIX = "qbank:" + (document.body.getAttribute("data-bank") || "bank") + ":";
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var THRESHOLDS = [60, 30, 10];
  /* Every stored key starts with its kind. Ids are slugs, which never hold ":", so no
   * question or pattern id can collide with a setting or with another kind of key. */
  var KEY = {
    question: function (id) {
      return "q:" + id;
    },
    test: function (pattern) {
      return "test:" + pattern;
    },
    badge: function (pattern) {
      return "badge:" + pattern;
    },
    setting: function (name) {
      return "setting:" + name;
    }
  };

  /* ------------------------------------------------------------ storage */
  var store = {
    get: function (key) {
      try {
        var raw = window.localStorage.getItem(PREFIX + key);
        return raw ? JSON.parse(raw) : null;
      } catch (e) {
        return null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
      } catch (e) {
        /* private mode or full: progress is simply not kept */
      }
    },
    remove: function (key) {
      try {
        window.localStorage.removeItem(PREFIX + key);
      } catch (e) {
        /* nothing to forget */
      }
    },
    keys: function () {
      var found = [];
      try {
        for (var i = 0; i < window.localStorage.length; i++) {
          var key = window.localStorage.key(i);
          if (key && key.indexOf(PREFIX) === 0) found.push(key.slice(PREFIX.length));
        }
      } catch (e) {
        /* no storage */
      }
      return found;
    }
  };

  /* Keys saved before the kinds existed were a bare question id, or "view" for the
   * practice view; they move to their new names, so no learner loses progress. */
  function migrate() {
    store.keys().forEach(function (key) {
      if (key.indexOf(":") >= 0) return;
      var value = store.get(key);
      var renamed = typeof value === "string" ? KEY.setting(key) : KEY.question(key);
      if (value !== null && store.get(renamed) === null) store.set(renamed, value);
      store.remove(key);
    });
  }
  function words(text) {
    return (text || "").split(" ").filter(Boolean);
  }
  /* The keys of a pattern's progress, from an element naming the pattern and its questions. */
  function patternKeys(el) {
    var pattern = el.getAttribute("data-pattern");
    return words(el.getAttribute("data-questions"))
      .map(KEY.question)
      .concat([KEY.test(pattern), KEY.badge(pattern)]);
  }

  /* ------------------------------------------------------------ helpers */
  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }
  function one(root, selector) {
    return root.querySelector(selector);
  }
  function show(el, visible) {
    if (el) el.hidden = !visible;
  }
  function on(root, action, handler) {
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (button && button.getAttribute("data-action") === action && root.contains(button)) {
        handler(button, event);
      }
    });
  }
  function clock(seconds) {
    var s = Math.max(0, seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  /* One question element: its radios, answer and visible state. */
  function Question(el) {
    this.el = el;
    this.id = el.getAttribute("data-qid");
    this.answer = Number(el.getAttribute("data-answer"));
    this.radios = all(el, 'input[type="radio"]');
    this.choices = all(el, ".choice");
    this.feedback = one(el, ".feedback");
  }
  Question.prototype.letter = function (index) {
    return LETTERS.charAt(index);
  };
  Question.prototype.selected = function () {
    for (var i = 0; i < this.radios.length; i++) if (this.radios[i].checked) return i;
    return -1;
  };
  Question.prototype.select = function (index) {
    this.radios.forEach(function (radio, i) {
      radio.checked = i === index;
    });
  };
  Question.prototype.lock = function (locked) {
    this.radios.forEach(function (radio) {
      radio.disabled = locked;
    });
    all(this.el, '[data-action="check"]').forEach(function (button) {
      button.disabled = locked;
    });
  };
  /* Marks say in words what colour also shows: never colour alone. */
  Question.prototype.mark = function (chosen, reveal) {
    var answer = this.answer;
    this.choices.forEach(function (choice, i) {
      var mark = one(choice, "[data-mark]");
      var text = "";
      choice.classList.remove("is-correct", "is-wrong", "is-chosen");
      if (i === chosen) choice.classList.add("is-chosen");
      if (reveal && i === answer) {
        choice.classList.add("is-correct");
        text = i === chosen ? "✓ Your answer: correct" : "✓ Correct answer";
      } else if (i === chosen && chosen !== answer) {
        choice.classList.add("is-wrong");
        text = "✗ Your answer: wrong";
      }
      if (mark) mark.textContent = text;
    });
  };
  Question.prototype.showWhy = function (index) {
    this.choices.forEach(function (choice, i) {
      show(one(choice, ".why"), i === index);
    });
  };
  Question.prototype.say = function (text, kind) {
    if (!this.feedback) return;
    this.feedback.textContent = text;
    this.feedback.className = "feedback" + (kind ? " feedback-" + kind : "");
  };
  Question.prototype.reset = function () {
    this.select(-1);
    this.lock(false);
    this.mark(-1, false);
    this.showWhy(-1);
    this.say("", "");
    this.showSolution(false);
    show(one(this.el, "[data-review]"), false);
  };
  /* A shown solution carries the hint, so the separate hint button and box step aside. */
  Question.prototype.showSolution = function (visible) {
    var solution = one(this.el, ".solution");
    show(solution, visible);
    var hintInSolution = !!(visible && solution && one(solution, ".solution-hint"));
    var button = one(this.el, '[data-action="hint"]');
    if (!button) return;
    if (hintInSolution) setHint(button, false);
    show(button, !hintInSolution);
  };
  Question.prototype.focusTitle = function () {
    var title = one(this.el, ".q-title");
    if (title) title.focus();
  };
  Question.prototype.contains = function (node) {
    return this.el.contains(node);
  };

  function setHint(button, open) {
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide hint" : "Show hint";
    show(document.getElementById(button.getAttribute("aria-controls")), open);
  }
  function hints(root) {
    on(root, "hint", function (button) {
      setHint(button, button.getAttribute("aria-expanded") !== "true");
    });
  }

  /* Shows one question at a time, or all, with Previous/Next buttons. */
  function Pager(section, questions, onShow) {
    this.section = section;
    this.questions = questions;
    this.onShow = onShow || function () {};
    this.index = 0;
    this.single = true;
    this.status = one(section, "[data-pager-status]");
    this.bar = one(section, ".pager");
    var pager = this;
    on(section, "prev", function () {
      pager.go(pager.index - 1, true);
    });
    on(section, "next", function () {
      pager.go(pager.index + 1, true);
    });
  }
  Pager.prototype.go = function (index, focus) {
    var n = this.questions.length;
    this.index = Math.max(0, Math.min(n - 1, index));
    var current = this.index;
    var single = this.single;
    this.questions.forEach(function (q, i) {
      show(q.el, !single || i === current);
    });
    show(this.bar, single && n > 1);
    if (this.bar) {
      one(this.bar, '[data-action="prev"]').disabled = current === 0;
      one(this.bar, '[data-action="next"]').disabled = current === n - 1;
    }
    if (this.status) this.status.textContent = single ? "Question " + (current + 1) + " of " + n : "";
    this.onShow(this.questions[current]);
    if (focus) this.questions[current].focusTitle();
  };
  Pager.prototype.indexOf = function (id) {
    for (var i = 0; i < this.questions.length; i++) if (this.questions[i].id === id) return i;
    return -1;
  };
  /* The question "#q-<id>" names. Ids are slugs, never percent-escaped, so the hash is
   * compared as it is: decoding it would throw on "#%" and stop every script. */
  function hashTarget(pager) {
    var hash = String(window.location.hash || "");
    return hash.indexOf("#q-") === 0 ? pager.indexOf(hash.slice(3)) : -1;
  }

  /* ------------------------------------------------------------ practice */
  function practice(section) {
    var questions = all(section, "article.question").map(function (el) {
      return new Question(el);
    });
    var pager = new Pager(section, questions);
    hints(section);

    function render(q) {
      var state = store.get(KEY.question(q.id));
      q.reset();
      var done = state && state.done;
      show(one(q.el, '[data-action="retry"]'), !!done);
      if (!done) return;
      q.select(state.c);
      q.lock(true);
      q.mark(state.c, true);
      q.showWhy(state.c);
      var right = "the correct answer is " + q.letter(q.answer) + ".";
      if (state.ok) q.say("✓ Correct! " + q.letter(q.answer) + " is right.", "ok");
      else q.say("✗ Not quite. You chose " + q.letter(state.c) + "; " + right, "wrong");
      q.showSolution(true);
    }

    questions.forEach(function (q) {
      render(q);
      on(q.el, "check", function () {
        var chosen = q.selected();
        if (chosen < 0) {
          q.say("Choose an answer first.", "info");
          return;
        }
        store.set(KEY.question(q.id), { c: chosen, ok: chosen === q.answer, done: true });
        render(q);
        q.feedback.focus();
      });
      on(q.el, "retry", function () {
        store.remove(KEY.question(q.id));
        render(q);
        if (q.radios[0]) q.radios[0].focus();
      });
    });

    function setView(single, focus) {
      pager.single = single;
      all(section, ".view-switch [data-action]").forEach(function (button) {
        var pressed = (button.getAttribute("data-action") === "view-one") === single;
        button.setAttribute("aria-pressed", String(pressed));
      });
      store.set(KEY.setting("view"), single ? "one" : "all");
      pager.go(pager.index, focus);
    }
    on(section, "view-one", function () {
      setView(true, false);
    });
    on(section, "view-all", function () {
      setView(false, false);
    });
    var target = hashTarget(pager);
    pager.index = target < 0 ? 0 : target;
    setView(store.get(KEY.setting("view")) !== "all", false);
    if (target >= 0) questions[target].el.scrollIntoView();
  }

  /* ------------------------------------------------------------ challenge */
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
      return store.get(KEY.question(q.id)) || { used: 0, done: false, ok: false };
    }
    function announce(text) {
      if (announcer) announcer.textContent = text;
    }
    function remaining(q, s) {
      if (!s.t0) return q.limit;
      return q.limit - Math.floor((Date.now() - s.t0) / 1000);
    }
    function begin(q) {
      var s = state(q);
      if (s.done || s.t0) return;
      s.t0 = Date.now();
      store.set(KEY.question(q.id), s);
      q.announced = Infinity;
    }

    function render(q) {
      var s = state(q);
      var left = q.attempts - (s.used || 0);
      one(q.el, "[data-attempts-left]").textContent = String(Math.max(0, left));
      q.lock(!!s.done);
      var shown = s.c === undefined ? -1 : s.c;
      if (s.done) {
        if (shown >= 0) q.select(shown);
        q.mark(shown, true);
        q.showWhy(shown);
        var right = "The correct answer is " + q.letter(q.answer) + ".";
        if (s.ok) q.say("✓ Correct! " + q.letter(q.answer) + " is right.", "ok");
        else if (s.out) q.say("Time is up: this question counts as missed. " + right, "wrong");
        else q.say("✗ No attempts left. " + right, "wrong");
        q.showSolution(true);
        q.timer.textContent = s.out ? "0:00" : clock(remaining(q, s) < 0 ? 0 : remaining(q, s));
        if (s.out) q.timer.parentNode.classList.add("timer-out");
      } else {
        q.timer.textContent = clock(remaining(q, s));
        if (shown >= 0) {
          q.mark(shown, false);
          q.showWhy(shown);
          q.say("✗ Not quite. " + plural(left, "attempt") + " left.", "wrong");
        }
      }
    }

    function finish(q, s, focusFeedback) {
      store.set(KEY.question(q.id), s);
      render(q);
      var complete = score();
      if (focusFeedback) q.feedback.focus();
      if (complete && s.done) announce(one(section, "[data-summary-text]").textContent);
    }

    function tick() {
      var q = current;
      if (!q || q.el.hidden) return;
      var s = state(q);
      if (s.done || !s.t0) return;
      var left = remaining(q, s);
      q.timer.textContent = clock(left);
      q.timer.parentNode.classList.toggle("timer-low", left <= 10);
      if (left <= 0) {
        s.done = true;
        s.ok = false;
        s.out = true;
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
        if (s.ok) correct++;
      });
      var n = questions.length;
      one(section, "[data-score]").textContent = "Score: " + correct + " of " + n;
      var earned = correct === n && n > 0;
      if (earned && badge && !store.get(KEY.badge(pattern))) {
        store.set(KEY.badge(pattern), { name: badge });
        announce("Badge earned: " + badge + "!");
      }
      var status = one(section, "[data-badge-status]");
      var card = one(section, "[data-badge-card]");
      var have = !!store.get(KEY.badge(pattern));
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
        var chosen = q.selected();
        if (chosen < 0) {
          q.say("Choose an answer first.", "info");
          return;
        }
        s.used = (s.used || 0) + 1;
        s.c = chosen;
        if (chosen === q.answer) {
          s.ok = true;
          s.done = true;
        } else if (s.used >= q.attempts) {
          s.done = true;
        }
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
        store.remove(KEY.question(q.id));
        q.reset();
        render(q);
      });
      score();
      run(0, true);
    });

    var started = questions.some(function (q) {
      return !!store.get(KEY.question(q.id));
    });
    score();
    var target = hashTarget(pager);
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

  /* ------------------------------------------------------------ test */
  function test(section) {
    var key = KEY.test(section.getAttribute("data-pattern"));
    var questions = all(section, "article.question").map(function (el) {
      return new Question(el);
    });
    var status = one(section, "[data-test-status]");
    var summary = one(section, "[data-summary]");
    var finishButton = one(section, '[data-action="finish"]');
    var armed = false;

    function state() {
      return store.get(key) || { a: {}, done: false };
    }
    function render() {
      var s = state();
      var correct = 0;
      questions.forEach(function (q) {
        q.reset();
        var chosen = s.a[q.id] === undefined ? -1 : s.a[q.id];
        q.select(chosen);
        if (!s.done) return;
        if (chosen === q.answer) correct++;
        q.lock(true);
        q.mark(chosen, true);
        q.showWhy(chosen);
        var review = one(q.el, "[data-review]");
        review.textContent = "";
        var mine = document.createElement("p");
        var right = document.createElement("p");
        if (chosen < 0) mine.textContent = "✗ You did not answer this question.";
        else if (chosen === q.answer) mine.textContent = "✓ Your answer: " + q.letter(chosen) + ", correct.";
        else mine.textContent = "✗ Your answer: " + q.letter(chosen) + ", wrong.";
        right.textContent = "Correct answer: " + q.letter(q.answer) + ".";
        mine.className = chosen === q.answer ? "review-ok" : "review-wrong";
        review.appendChild(mine);
        if (chosen !== q.answer) review.appendChild(right);
        show(review, true);
        q.showSolution(true);
      });
      show(summary, !!s.done);
      show(finishButton, !s.done);
      if (s.done) {
        var n = questions.length;
        one(summary, "[data-summary-text]").textContent =
          "You scored " + correct + " of " + n + " (" + Math.round((100 * correct) / n) + "%).";
        status.textContent = "";
      }
    }

    section.addEventListener("change", function (event) {
      var radio = event.target;
      if (!radio.matches('input[type="radio"]')) return;
      var q = questions.filter(function (x) {
        return x.contains(radio);
      })[0];
      var s = state();
      if (!q || s.done) return;
      s.a[q.id] = Number(radio.value);
      store.set(key, s);
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
      var missing = questions.filter(function (q) {
        return s.a[q.id] === undefined;
      }).length;
      if (missing && !armed) {
        armed = true;
        status.textContent =
          plural(missing, "question") + " not answered yet. Select “Finish anyway” to finish now; unanswered questions count as wrong.";
        finishButton.textContent = "Finish anyway";
        return;
      }
      s.done = true;
      store.set(key, s);
      render();
      one(section, "#summary-h").focus();
    });
    on(section, "retake", function () {
      store.remove(key);
      disarm();
      render();
      if (questions[0]) questions[0].focusTitle();
    });
    render();
  }

  /* ------------------------------------------------------------ progress */
  function progress() {
    all(document, "[data-progress]").forEach(function (el) {
      var ids = words(el.getAttribute("data-questions"));
      var answered = 0;
      var correct = 0;
      ids.forEach(function (id) {
        var s = store.get(KEY.question(id));
        if (s && s.done) answered++;
        if (s && s.ok) correct++;
      });
      var text = answered
        ? "Answered " + answered + " of " + ids.length + ", " + correct + " correct."
        : "Not started.";
      var badge = el.getAttribute("data-badge");
      if (badge && store.get(KEY.badge(el.getAttribute("data-pattern")))) text += " Badge earned: " + badge + ".";
      var target = el.classList.contains("progress-text") ? el : one(el, ".progress-text");
      if (target) target.textContent = text;
    });
    var list = one(document, "[data-badge-list]");
    if (!list) return;
    var earned = all(document, "[data-progress][data-badge]").filter(function (el) {
      return el.getAttribute("data-badge") && store.get(KEY.badge(el.getAttribute("data-pattern")));
    });
    earned.forEach(function (el) {
      var item = document.createElement("li");
      item.textContent = el.getAttribute("data-badge");
      list.appendChild(item);
    });
    show(one(document, "[data-badges-empty]"), earned.length === 0);
  }

  function resets() {
    all(document, "[data-reset]").forEach(function (box) {
      var ask = one(box, '[data-action="reset-ask"]');
      var confirmBox = one(box, ".reset-confirm");
      function open(visible) {
        show(confirmBox, visible);
        ask.setAttribute("aria-expanded", String(visible));
      }
      on(box, "reset-ask", function () {
        open(true);
        one(box, '[data-action="reset-yes"]').focus();
      });
      on(box, "reset-no", function () {
        open(false);
        ask.focus();
      });
      on(box, "reset-yes", function () {
        var keys = box.getAttribute("data-reset") === "all" ? store.keys() : patternKeys(box);
        keys.forEach(store.remove);
        window.location.reload();
      });
    });
  }

  /* ------------------------------------------------------------ search */
  function search() {
    var input = document.getElementById("search-input");
    var index = window.QBANK_SEARCH;
    if (!input || !index) return;
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var hay = index.q.map(function (q) {
      return (q[3] + " " + q[4]).toLowerCase();
    });
    function run() {
      var terms = input.value.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      list.textContent = "";
      if (!terms.join("").length || input.value.trim().length < 2) {
        status.textContent = "";
        return;
      }
      var hits = [];
      for (var i = 0; i < hay.length && hits.length < 50; i++) {
        var text = hay[i];
        if (terms.every(function (t) { return text.indexOf(t) >= 0; })) hits.push(index.q[i]);
      }
      hits.forEach(function (q) {
        var pattern = index.p[q[0]];
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = pattern[1] + (q[1] ? "challenge" : "practice") + ".html#q-" + q[2];
        link.textContent = q[3];
        var where = document.createElement("span");
        where.className = "search-where";
        where.textContent = pattern[0] + " · " + (q[1] ? "Challenge" : "Practice");
        item.appendChild(link);
        item.appendChild(where);
        list.appendChild(item);
      });
      status.textContent = hits.length
        ? (hits.length >= 50 ? "First 50 matching questions." : plural(hits.length, "matching question") + ".")
        : "No question matches “" + input.value.trim() + "”.";
    }
    input.addEventListener("input", run);
    run();
  }

  /* ------------------------------------------------------------ start */
  migrate();
  all(document, '[data-mode="practice"]').forEach(practice);
  all(document, '[data-mode="challenge"]').forEach(challenge);
  all(document, '[data-mode="test"]').forEach(test);
  progress();
  resets();
  search();
})();
