/* qbank learner site: practice, challenge and test modes, progress, badges.
 * No framework and no inline script: pages carry their data in data-* attributes.
 * Progress lives in localStorage under "qbank:<bank-slug>:<kind>:<id>" (see KEY). An
 * answer is stored as the key of the chosen choice (a hash of its text made at build
 * time, never its position) and judged against the page's own answer key whenever it is
 * read: choices that move or change in the bank never turn a wrong answer right.
 * search.js (index) and review.js (review page) use what this file exports as window.qbank. */
(function () {
  "use strict";

  var PREFIX = "qbank:" + (document.body.getAttribute("data-bank") || "bank") + ":";
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var THRESHOLDS = [60, 30, 10];
  var BANDS = ["easy", "medium", "hard"];
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
    },
    /* The last answer to a question was wrong: it waits on the review page. */
    wrong: function (id) {
      return "wrong:" + id;
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
   * practice view; they move to their new names (an answer kept as a position is then
   * dropped when read, see record()). */
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
  /* [[question id, key of its correct choice], ...] from data-answers="id:key ...". */
  function answerPairs(el) {
    return words(el.getAttribute("data-answers")).map(function (word) {
      var at = word.lastIndexOf(":");
      return [word.slice(0, at), word.slice(at + 1)];
    });
  }
  /* The keys of a pattern's progress, from an element naming the pattern and its questions. */
  function patternKeys(el) {
    var pattern = el.getAttribute("data-pattern");
    var keys = [KEY.test(pattern), KEY.badge(pattern)];
    answerPairs(el).forEach(function (pair) {
      keys.push(KEY.question(pair[0]), KEY.wrong(pair[0]));
    });
    return keys;
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
  function scoreText(score) {
    return score.s + " of " + score.n + " (" + Math.round((100 * score.s) / score.n) + "%)";
  }

  /* ------------------------------------------------------------ random */
  /* A new attempt's seed. */
  function newSeed() {
    return Math.floor(Math.random() * 4294967296);
  }
  /* Numbers in [0, 1) that depend only on the seed and the salt (an FNV-1a hash feeding
   * mulberry32): the same attempt always shows the same draw and the same order. */
  function random(seed, salt) {
    var text = String(seed) + ":" + salt;
    var a = 2166136261;
    for (var i = 0; i < text.length; i++) a = Math.imul(a ^ text.charCodeAt(i), 16777619) >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function shuffled(items, next) {
    var out = items.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(next() * (i + 1));
      var swap = out[i];
      out[i] = out[j];
      out[j] = swap;
    }
    return out;
  }

  /* One question element: its choices in the order shown, its answer key, its state.
   * Choices are named by their keys (the radios' values); letters only for display. */
  function Question(el) {
    this.el = el;
    this.id = el.getAttribute("data-qid");
    this.band = el.getAttribute("data-band");
    this.answerKey = el.getAttribute("data-answer");
    this.shuffles = el.hasAttribute("data-shuffle");
    this.box = one(el, ".choices");
    this.authored = all(el, ".choice");
    this.feedback = one(el, ".feedback");
    this.seed = null;
    this.place(this.authored);
  }
  /* Shows the choices in the order of an attempt's seed (the author's with no seed, or
   * when the question keeps its order); every letter and {answer} follows. */
  Question.prototype.arrange = function (seed) {
    seed = seed === undefined ? null : seed;
    if (seed === this.seed) return;
    this.seed = seed;
    var shuffle = seed !== null && this.shuffles;
    this.place(shuffle ? shuffled(this.authored, random(seed, this.id)) : this.authored);
  };
  Question.prototype.place = function (order) {
    var box = this.box;
    var current = all(box, ".choice");
    if (order.some(function (choice, i) { return current[i] !== choice; })) {
      order.forEach(function (choice) {
        box.appendChild(choice);
      });
    }
    this.choices = order;
    this.radios = order.map(function (choice) {
      return one(choice, 'input[type="radio"]');
    });
    this.keys = this.radios.map(function (radio) {
      return radio.value;
    });
    this.answer = this.keys.indexOf(this.answerKey);
    order.forEach(function (choice, i) {
      all(choice, "[data-letter]").forEach(function (span) {
        span.textContent = LETTERS.charAt(i);
      });
    });
    var letter = LETTERS.charAt(this.answer);
    all(this.el, "[data-answer-letter]").forEach(function (span) {
      span.textContent = letter;
    });
  };
  Question.prototype.number = function (n) {
    all(this.el, "[data-number]").forEach(function (span) {
      span.textContent = String(n);
    });
  };
  Question.prototype.letter = function (index) {
    return LETTERS.charAt(index);
  };
  Question.prototype.letterOf = function (key) {
    return LETTERS.charAt(this.keys.indexOf(key));
  };
  Question.prototype.has = function (key) {
    return this.keys.indexOf(key) >= 0;
  };
  Question.prototype.right = function (key) {
    return key === this.answerKey;
  };
  /* The key of the checked choice, or null. */
  Question.prototype.selected = function () {
    for (var i = 0; i < this.radios.length; i++) if (this.radios[i].checked) return this.keys[i];
    return null;
  };
  Question.prototype.select = function (key) {
    this.radios.forEach(function (radio) {
      radio.checked = radio.value === key;
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
    var answer = this.answerKey;
    var keys = this.keys;
    this.choices.forEach(function (choice, i) {
      var key = keys[i];
      var mark = one(choice, "[data-mark]");
      var text = "";
      choice.classList.remove("is-correct", "is-wrong", "is-chosen");
      if (key === chosen) choice.classList.add("is-chosen");
      if (reveal && key === answer) {
        choice.classList.add("is-correct");
        text = key === chosen ? "✓ Your answer: correct" : "✓ Correct answer";
      } else if (key === chosen && chosen !== answer) {
        choice.classList.add("is-wrong");
        text = "✗ Your answer: wrong";
      }
      if (mark) mark.textContent = text;
    });
  };
  Question.prototype.showWhy = function (key) {
    var keys = this.keys;
    this.choices.forEach(function (choice, i) {
      show(one(choice, ".why"), key !== null && keys[i] === key);
    });
  };
  Question.prototype.say = function (text, kind) {
    if (!this.feedback) return;
    this.feedback.textContent = text;
    this.feedback.className = "feedback" + (kind ? " feedback-" + kind : "");
  };
  Question.prototype.reset = function () {
    this.select(null);
    this.lock(false);
    this.mark(null, false);
    this.showWhy(null);
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

  /* The stored record of a question, or null. A record naming a choice the question no
   * longer has (edited in the bank, or a position saved by an older site) is dropped. */
  function record(q) {
    var key = KEY.question(q.id);
    var s = store.get(key);
    if (!s || typeof s !== "object") return null;
    if (s.c !== undefined && s.c !== null && !q.has(s.c)) {
      store.remove(key);
      return null;
    }
    return s;
  }
  /* A final answer puts the question on the review page when it is wrong (or missing),
   * and takes it off when it is right. */
  function noteAnswer(q, pattern, key, mode) {
    if (key !== null && q.right(key)) store.remove(KEY.wrong(q.id));
    else store.set(KEY.wrong(q.id), { p: pattern, c: key, m: mode, t: Date.now() });
  }

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

  /* A question answered until it is right (Practice, Review). `keep` says where its
   * answer lives: get() → {c, done} or null, save(key), forget(); `rightNote` is added
   * to the feedback of a right answer. */
  function answerable(q, keep) {
    function render() {
      var s = keep.get();
      q.reset();
      var answered = !!(s && s.done);
      show(one(q.el, '[data-action="retry"]'), answered);
      if (!answered) return;
      q.select(s.c);
      q.lock(true);
      q.mark(s.c, true);
      q.showWhy(s.c);
      var letter = q.letter(q.answer);
      if (q.right(s.c)) q.say("✓ Correct! " + letter + " is right." + (keep.rightNote || ""), "ok");
      else q.say("✗ Not quite. You chose " + q.letterOf(s.c) + "; the correct answer is " + letter + ".", "wrong");
      q.showSolution(true);
    }
    render();
    on(q.el, "check", function () {
      var chosen = q.selected();
      if (chosen === null) {
        q.say("Choose an answer first.", "info");
        return;
      }
      keep.save(chosen);
      render();
      q.feedback.focus();
    });
    on(q.el, "retry", function () {
      keep.forget();
      render();
      if (q.radios[0]) q.radios[0].focus();
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
    var pattern = section.getAttribute("data-pattern");
    var questions = all(section, "article.question").map(function (el) {
      return new Question(el);
    });
    var pager = new Pager(section, questions);
    hints(section);

    questions.forEach(function (q) {
      answerable(q, {
        get: function () {
          return record(q);
        },
        save: function (key) {
          store.set(KEY.question(q.id), { p: pattern, c: key, done: true });
          noteAnswer(q, pattern, key, "practice");
        },
        forget: function () {
          store.remove(KEY.question(q.id));
        }
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
  /* An attempt of a question starts when it is first shown after "Start": its clock and
   * its order of choices (seeded, kept in its record) last until "Try again". */
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
      return record(q) || { used: 0, done: false };
    }
    function save(q, s) {
      s.p = pattern;
      store.set(KEY.question(q.id), s);
    }
    function chosen(s) {
      return s.c === undefined ? null : s.c;
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
      s.s = newSeed();
      save(q, s);
      q.announced = Infinity;
      q.arrange(s.s);
    }

    function render(q) {
      var s = state(q);
      q.arrange(s.s);
      var left = q.attempts - (s.used || 0);
      one(q.el, "[data-attempts-left]").textContent = String(Math.max(0, left));
      q.lock(!!s.done);
      var shown = chosen(s);
      if (s.done) {
        if (shown !== null) q.select(shown);
        q.mark(shown, true);
        q.showWhy(shown);
        var right = "The correct answer is " + q.letter(q.answer) + ".";
        if (q.right(shown)) q.say("✓ Correct! " + q.letter(q.answer) + " is right.", "ok");
        else if (s.out) q.say("Time is up: this question counts as missed. " + right, "wrong");
        else q.say("✗ No attempts left. " + right, "wrong");
        q.showSolution(true);
        q.timer.textContent = s.out ? "0:00" : clock(remaining(q, s) < 0 ? 0 : remaining(q, s));
        if (s.out) q.timer.parentNode.classList.add("timer-out");
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
      if (s.done || !s.t0) return;
      var left = remaining(q, s);
      q.timer.textContent = clock(left);
      q.timer.parentNode.classList.toggle("timer-low", left <= 10);
      if (left <= 0) {
        s.done = true;
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
        if (s.done && q.right(chosen(s))) correct++;
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
        var picked = q.selected();
        if (picked === null) {
          q.say("Choose an answer first.", "info");
          return;
        }
        s.used = (s.used || 0) + 1;
        s.c = picked;
        if (q.right(picked) || s.used >= q.attempts) s.done = true;
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
      return !!record(q);
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
  /* Each attempt draws its own set from the pattern's whole pool, spread over the
   * difficulty bands, and its own order of choices; its seed and the ids it drew are
   * kept with its answers, so a reload shows the same test. */
  function test(section) {
    var pattern = section.getAttribute("data-pattern");
    var key = KEY.test(pattern);
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
      var before = old && old.ids ? old.ids.slice().sort().join(" ") : null;
      var seed = newSeed();
      var ids = draw(seed);
      for (var tries = 0; tries < 20 && ids.slice().sort().join(" ") === before; tries++) {
        seed = newSeed();
        ids = draw(seed);
      }
      return { v: 2, seed: seed, ids: ids, a: {}, done: false, last: old && old.last, best: old && old.best };
    }
    /* The running attempt, started on the first visit. Questions no longer in the pattern
     * and answers naming a choice that no longer exists are dropped. */
    function state() {
      var s = store.get(key);
      if (!s || s.v !== 2 || !Array.isArray(s.ids)) {
        s = fresh(null);
        store.set(key, s);
        return s;
      }
      var ids = s.ids.filter(function (id) {
        return Object.prototype.hasOwnProperty.call(byId, id);
      });
      var answers = {};
      var changed = ids.length !== s.ids.length;
      Object.keys(s.a || {}).forEach(function (id) {
        if (ids.indexOf(id) >= 0 && byId[id].has(s.a[id])) answers[id] = s.a[id];
        else changed = true;
      });
      s.ids = ids;
      s.a = answers;
      if (!ids.length) s = fresh(s);
      if (changed || !ids.length) store.set(key, s);
      return s;
    }
    function drawn(s) {
      return s.ids.map(function (id) {
        return byId[id];
      });
    }
    function answer(s, q) {
      return s.a[q.id] === undefined ? null : s.a[q.id];
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
          "You scored " + scoreText({ s: correct, n: s.ids.length }) + ".";
        var best = s.best && s.last && (s.best.s !== s.last.s || s.best.n !== s.last.n);
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
      s.a[q.id] = radio.value;
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
      var missing = s.ids.filter(function (id) {
        return s.a[id] === undefined;
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
      s.last = { s: correct, n: n, t: Date.now() };
      if (!s.best || correct * s.best.n > s.best.s * n) s.best = { s: correct, n: n };
      store.set(key, s);
      questions.forEach(function (q) {
        noteAnswer(q, pattern, answer(s, q), "test");
      });
      render();
      one(section, "#summary-h").focus();
    });
    on(section, "retake", function () {
      var s = fresh(state());
      store.set(key, s);
      disarm();
      place(s);
      render();
      var first = drawn(s)[0];
      if (first) first.focusTitle();
    });
    place(state());
    render();
  }

  /* ------------------------------------------------------------ progress */
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

  /* ------------------------------------------------------------ start */
  window.qbank = {
    KEY: KEY,
    store: store,
    Question: Question,
    answerable: answerable,
    noteAnswer: noteAnswer,
    hints: hints,
    plural: plural,
    show: show,
    all: all,
    one: one,
    on: on
  };
  migrate();
  all(document, '[data-mode="practice"]').forEach(practice);
  all(document, '[data-mode="challenge"]').forEach(challenge);
  all(document, '[data-mode="test"]').forEach(test);
  progress();
  yours();
  resets();
})();
