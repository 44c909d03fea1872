/* A pattern's Test attempts as kept: which questions the running attempt drew, what was
 * answered, and the score once finished (a TestRecord, see records.js). The page that
 * shows them is test.js's. Uses window.qbank (qbank.js, store.js, question.js and
 * draw.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.store || !qb.drawAttempt) return;
  var store = qb.store;

  /* Each attempt draws its own set from the pattern's pool, spread over the difficulty
   * bands, in an order of its own and with its own order of choices; its seed and the
   * ids it drew are kept with its answers, so a reload shows the same test. `pool` is
   * the Practice questions and the Challenge's (Questions, `challenge` set on these),
   * the Challenge's open to a draw once the learner has finished the Challenge: no Test
   * shows a Challenge answer before the Challenge does. */
  function Attempts(pattern, pool, limit) {
    var byId = {};
    pool.forEach(function (q) {
      byId[q.id] = q;
    });
    this.pattern = pattern;
    this.pool = pool;
    this.limit = limit;
    this.byId = byId;
  }

  Attempts.prototype.challengeFinished = function () {
    return this.pool.every(function (q) {
      var r = q.challenge ? qb.record(q) : null;
      return !q.challenge || !!(r && r.done);
    });
  };
  /* The questions an attempt may draw now, by id. */
  Attempts.prototype.open = function () {
    var finished = this.challengeFinished();
    var ids = {};
    this.pool.forEach(function (q) {
      if (finished || !q.challenge) ids[q.id] = true;
    });
    return ids;
  };
  /* A new attempt after `old` (or none), drawn from the questions open now (see draw.js). */
  Attempts.prototype.fresh = function (old) {
    var drawn = qb.drawAttempt(this.pool, this.open(), this.limit, old);
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
  };
  Attempts.prototype.save = function (s) {
    store.tests.set(this.pattern, s);
  };
  /* The running attempt, started on the first visit. Questions no longer in the pattern
   * (or, in an attempt not finished, drawn from a Challenge the learner has not
   * finished) and answers naming a choice that no longer exists are dropped. */
  Attempts.prototype.current = function () {
    var byId = this.byId;
    var s = store.tests.get(this.pattern);
    if (!s || s.version !== 2 || !Array.isArray(s.questions)) {
      s = this.fresh(null);
      this.save(s);
      return s;
    }
    var allowed = s.done ? byId : this.open();
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
    if (!ids.length && Object.keys(this.open()).length) {
      s = this.fresh(s);
      changed = true;
    }
    if (changed) this.save(s);
    return s;
  };
  /* The questions attempt `s` drew, as shown. */
  Attempts.prototype.drawn = function (s) {
    var byId = this.byId;
    return s.questions.map(function (id) {
      return byId[id];
    });
  };
  Attempts.prototype.unanswered = function (s) {
    return this.drawn(s).filter(function (q) {
      return answer(s, q) === null;
    });
  };
  /* Scores attempt `s` and keeps its score and answers; every answer is noted in the
   * learner's progress (a wrong or missing one waits on the review page). */
  Attempts.prototype.finish = function (s) {
    var pattern = this.pattern;
    var questions = this.drawn(s);
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
    this.save(s);
    questions.forEach(function (q) {
      qb.noteAnswer(q, pattern, answer(s, q), "test");
    });
  };

  /* The key of the choice chosen on `q` in attempt `s`, or null. */
  function answer(s, q) {
    return s.answers[q.id] === undefined ? null : s.answers[q.id];
  }

  qb.TestAttempts = Attempts;
  qb.testAnswer = answer;
})();
