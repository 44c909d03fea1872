/* The shape of each record the learner's progress keeps, and the upgrade of a record
 * saved by an older site in one-letter fields (where `s` was a seed in a question's
 * record and a score in a test's). Where each record is kept, under which key, is
 * store.js's alone; this file knows only what a record holds.
 * Uses window.qbank (qbank.js, loaded first); used by store.js. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb) return;

  /**
   * A question's progress in Practice or Challenge (store.questions).
   * @typedef {Object} QuestionRecord
   * @property {string} pattern       id of the pattern it belongs to (was `p`)
   * @property {?string} [choice]     key of the choice last checked (was `c`)
   * @property {boolean} done         answered for good: right, or (Challenge) out of
   *                                  attempts or time; Practice saves only done answers
   * @property {number} [tries]       Challenge: answers checked so far (was `used`)
   * @property {number} [startedAt]   Challenge: when its clock started, in ms (was `t0`)
   * @property {number} [seed]        Challenge: the attempt's seed, which orders its
   *                                  choices (was `s`)
   * @property {boolean} [timedOut]   Challenge: its time ran out (was `out`)
   * @property {number} [at]          when it was answered for good, in ms (none before
   *                                  Test answers counted in progress)
   */
  /**
   * A question whose last final answer, in any mode, was wrong or missing: it waits on
   * the review page until answered right (store.mistakes).
   * @typedef {Object} MistakeRecord
   * @property {string} pattern       id of the pattern it belongs to (was `p`)
   * @property {?string} choice       key of the wrong choice; null when unanswered (was `c`)
   * @property {string} mode          "practice", "challenge", "test" or "review" (was `m`)
   * @property {number} at            when, in ms; the latest is reviewed first (was `t`)
   * @property {string} [letter]      the choice's letter where it was answered, as seen
   * @property {?number} [seed]       the seed of the order it was seen in (null: the
   *                                  author's); the review page shows that order again
   */
  /**
   * A finished Test's score, in a TestRecord.
   * @typedef {Object} Score
   * @property {number} correct       questions answered right (was `s`)
   * @property {number} total         questions drawn (was `n`)
   * @property {number} [at]          when it was finished, in ms (was `t`; `last` only)
   */
  /**
   * An answer given in a finished Test, in a TestRecord's `results`.
   * @typedef {Object} Answer
   * @property {string} choice        key of the chosen choice
   * @property {number} at            when the attempt was finished, in ms
   */
  /**
   * A pattern's Test: the running attempt, and the scores of finished ones (store.tests).
   * @typedef {Object} TestRecord
   * @property {number} version       2: a set drawn per attempt (was `v`); a record of
   *                                  another version is replaced by a new attempt
   * @property {number} seed          the attempt's seed: its draw and its order of choices
   * @property {string[]} questions   ids of the questions drawn, as shown (was `ids`)
   * @property {Object<string, string>} answers  question id → key of the chosen choice (was `a`)
   * @property {boolean} done         finished and scored
   * @property {Object<string, Answer>} [results]  question id → its answer in the latest
   *                                  finished attempt that drew and answered it
   * @property {Score} [last]         the last finished attempt's score
   * @property {Score} [best]         the best finished attempt's score
   */
  /**
   * A badge earned in Challenge (store.badges, by pattern id).
   * @typedef {Object} BadgeRecord
   * @property {string} name          the badge's name, as the index lists it
   */
  /* A setting (store.settings) is a string: "view" is "one" or "all" (Practice's view). */

  /* The old one-letter field names of each shape, and their names now. */
  var OLD_NAMES = {
    question: { p: "pattern", c: "choice", used: "tries", t0: "startedAt", s: "seed", out: "timedOut" },
    mistake: { p: "pattern", c: "choice", m: "mode", t: "at" },
    test: { v: "version", ids: "questions", a: "answers" }
  };
  var OLD_SCORE = { s: "correct", n: "total", t: "at" };

  function isObject(value) {
    return !!value && typeof value === "object" && !Array.isArray(value);
  }
  /* A copy of `record` with its old field names replaced, or null when it has none. */
  function renamed(record, names) {
    var fields = Object.keys(record);
    var old = fields.some(function (field) {
      return Object.prototype.hasOwnProperty.call(names, field);
    });
    if (!old) return null;
    var out = {};
    fields.forEach(function (field) {
      var name = Object.prototype.hasOwnProperty.call(names, field) ? names[field] : field;
      out[name] = record[field];
    });
    return out;
  }
  /* `record` of `shape` ("question", "mistake", "test", "badge" or "setting") in today's
   * form, or null when it already is. */
  function upgraded(shape, record) {
    if (!isObject(record) || !OLD_NAMES[shape]) return null;
    var out = renamed(record, OLD_NAMES[shape]);
    if (shape !== "test") return out;
    var scores = {};
    ["last", "best"].forEach(function (field) {
      var value = (out || record)[field];
      var score = isObject(value) ? renamed(value, OLD_SCORE) : null;
      if (score) scores[field] = score;
    });
    if (!Object.keys(scores).length) return out;
    return Object.assign(out || Object.assign({}, record), scores);
  }
  /* The id of the pattern a question's or a mistake's record names, in either form, or
   * null (not such a record). */
  function patternNamed(record) {
    if (!isObject(record)) return null;
    var pattern = record.pattern === undefined ? record.p : record.pattern;
    return typeof pattern === "string" ? pattern : null;
  }

  qb.records = { upgraded: upgraded, patternNamed: patternNamed };
})();
