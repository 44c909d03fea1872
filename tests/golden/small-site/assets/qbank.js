/* qbank learner site: storage, questions, Practice mode, progress, badges.
 * No framework and no inline script: pages carry their data in data-* attributes.
 * Progress lives in localStorage under "qbank:<bank-slug>:<kind>:<id>" (see KEY). An
 * answer is stored as the key of the chosen choice (a hash of its text made at build
 * time, never its position) and judged against the page's own answer key whenever it is
 * read: choices that move or change in the bank never turn a wrong answer right.
 * challenge.js, test.js, progress.js, review.js and search.js, each loaded only by
 * the pages that need it, use what this file exports as window.qbank. */
(function () {
  "use strict";

  var PREFIX = "qbank:" + (document.body.getAttribute("data-bank") || "bank") + ":";
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
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
      /* The letter is the first text of each [data-letter] (a "." for screen readers may follow). */
      all(choice, "[data-letter]").forEach(function (span) {
        span.firstChild.nodeValue = LETTERS.charAt(i);
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
    Pager: Pager,
    record: record,
    answerable: answerable,
    noteAnswer: noteAnswer,
    hashTarget: hashTarget,
    answerPairs: answerPairs,
    hints: hints,
    newSeed: newSeed,
    random: random,
    shuffled: shuffled,
    clock: clock,
    plural: plural,
    scoreText: scoreText,
    show: show,
    all: all,
    one: one,
    on: on
  };
  migrate();
  all(document, '[data-mode="practice"]').forEach(practice);
  resets();
})();
