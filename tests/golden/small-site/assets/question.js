/* A question as shown: its choices in the order of an attempt, letters, marks, feedback,
 * hint and solution; its stored record; answering it until it is right (Practice,
 * Review). Used by practice.js, challenge.js, test.js and review.js. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.store) return;
  var store = qb.store;
  var all = qb.all;
  var one = qb.one;
  var show = qb.show;
  var on = qb.on;
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

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
    this.place(shuffle ? qb.shuffled(this.authored, qb.random(seed, this.id)) : this.authored);
  };
  /* The keys of the choices in the order `seed` would show them, without showing them. */
  Question.prototype.orderFor = function (seed) {
    var keys = this.authored.map(function (choice) {
      return one(choice, 'input[type="radio"]').value;
    });
    return (this.shuffles ? qb.shuffled(keys, qb.random(seed, this.id)) : keys).join(" ");
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
      choice.classList.remove("is-correct", "is-wrong", "is-chosen", "is-last");
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
  /* The choice last answered, wrong, elsewhere (the review page), before any new answer. */
  Question.prototype.markLast = function (key) {
    var at = this.keys.indexOf(key);
    if (at < 0) return;
    var choice = this.choices[at];
    choice.classList.add("is-last");
    var mark = one(choice, "[data-mark]");
    if (mark) mark.textContent = "✗ Your last answer: wrong";
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

  /* The question's QuestionRecord, or null. A record naming a choice the question no
   * longer has (edited in the bank, or a position saved by an older site) is dropped. */
  function record(q) {
    var r = store.questions.get(q.id);
    if (!r || typeof r !== "object") return null;
    if (r.choice !== undefined && r.choice !== null && !q.has(r.choice)) {
      store.questions.remove(q.id);
      return null;
    }
    return r;
  }
  /* A final answer (a choice's key, or null for none) puts the question on the review
   * page when it is wrong or missing, with the letter and order it was seen in, and
   * takes it off when it is right. */
  function noteAnswer(q, pattern, key, mode) {
    if (key !== null && q.right(key)) {
      store.mistakes.remove(q.id);
      return;
    }
    var seed = q.shuffles ? q.seed : null;
    var mistake = { pattern: pattern, choice: key, mode: mode, at: Date.now(), seed: seed };
    if (key !== null) mistake.letter = q.letterOf(key);
    store.mistakes.set(q.id, mistake);
  }

  /* A question answered until it is right (Practice, Review). `keep` says where its
   * answer lives: get() → {choice, done} or null, save(key), forget(); `rightNote` is
   * added to the feedback of a right answer. */
  function answerable(q, keep) {
    function render() {
      var r = keep.get();
      q.reset();
      var answered = !!(r && r.done);
      show(one(q.el, '[data-action="retry"]'), answered);
      if (!answered) return;
      q.select(r.choice);
      q.lock(true);
      q.mark(r.choice, true);
      q.showWhy(r.choice);
      var letter = q.letter(q.answer);
      if (q.right(r.choice)) q.say("✓ Correct! " + letter + " is right." + (keep.rightNote || ""), "ok");
      else q.say("✗ Not quite. You chose " + q.letterOf(r.choice) + "; the correct answer is " + letter + ".", "wrong");
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

  qb.Question = Question;
  qb.hints = hints;
  qb.record = record;
  qb.noteAnswer = noteAnswer;
  qb.answerable = answerable;
})();
