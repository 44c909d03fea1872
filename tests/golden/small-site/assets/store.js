/* The learner's progress, kept in the browser: the one file that knows the storage keys
 * and the shape of the record under each.
 *
 * A key is "qbank:<site>:<kind>:<id>". Every page opened from file:// shares one storage,
 * so <site> names the site: "<slug>.<identity>", the slug of the bank's title and a hash
 * of that title and the bank's pattern ids, made by the build (data-bank and data-site on
 * <body>). Two banks with the same title keep apart; a rebuild of the same bank reads
 * the same records. <kind> says which record it holds (KINDS below); <id> is a question
 * or pattern id, or a setting's name. Ids are slugs, which never hold ":", so no id can
 * pass for another kind or a setting. An answer is the key of the chosen choice (a hash
 * of its text made at build time, never its position), judged against the page's own
 * answer key whenever it is read: choices that move or change in the bank never turn a
 * wrong answer right.
 *
 * Progress kept by another build of the same title is carried over (see carryOver):
 * by a build of another set of patterns ("qbank:<slug>.<other identity>:"), or by a
 * site built before identities existed, which kept it under the title alone
 * ("qbank:<slug>:"). Sites built before these shapes wrote one-letter fields (where `s`
 * was a seed in a question's record and a score in a test's). Such a record is read in
 * the shape below and written back in it the first time it is read; keys saved before
 * kinds existed are renamed when any page loads. Nothing a learner kept is lost. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb) return;

  /**
   * A question's progress in Practice or Challenge (kind "q").
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
   * the review page until answered right (kind "wrong").
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
   * A pattern's Test: the running attempt, and the scores of finished ones (kind "test").
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
   * A badge earned in Challenge (kind "badge", by pattern id).
   * @typedef {Object} BadgeRecord
   * @property {string} name          the badge's name, as the index lists it
   */
  /* A setting (kind "setting") is a string: "view" is "one" or "all" (Practice's view). */

  var KINDS = { question: "q", mistake: "wrong", test: "test", badge: "badge", setting: "setting" };
  /* The old one-letter field names of each kind, and their names now. */
  var OLD_NAMES = {
    q: { p: "pattern", c: "choice", used: "tries", t0: "startedAt", s: "seed", out: "timedOut" },
    wrong: { p: "pattern", c: "choice", m: "mode", t: "at" },
    test: { v: "version", ids: "questions", a: "answers" }
  };
  var OLD_SCORE = { s: "correct", n: "total", t: "at" };

  /* ------------------------------------------------------------ keys */
  var FAMILY = "qbank:" + (document.body.getAttribute("data-bank") || "bank");
  var IDENTITY = document.body.getAttribute("data-site");
  var PREFIX = FAMILY + (IDENTITY ? "." + IDENTITY : "") + ":";

  function keyOf(kind, id) {
    return PREFIX + kind + ":" + id;
  }
  /* {kind, id} of a key under `prefix` (kind null: saved before kinds existed), else null. */
  function parse(key, prefix) {
    if (typeof key !== "string" || key.indexOf(prefix) !== 0) return null;
    var rest = key.slice(prefix.length);
    var at = rest.indexOf(":");
    return at < 0 ? { kind: null, id: rest } : { kind: rest.slice(0, at), id: rest.slice(at + 1) };
  }

  /* ------------------------------------------------------------ storage */
  /* Storage may be missing, full or refused (private mode): progress is then not kept. */
  function read(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }
  function readText(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }
  function write(key, value) {
    writeText(key, JSON.stringify(value));
  }
  function writeText(key, text) {
    try {
      window.localStorage.setItem(key, text);
    } catch (e) {
      /* not kept */
    }
  }
  function forget(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* nothing to forget */
    }
  }
  /* Every key the storage holds, of any site. */
  function allKeys() {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) found.push(window.localStorage.key(i));
    } catch (e) {
      /* no storage */
    }
    return found;
  }
  /* Every key of this site, parsed: [{key, kind, id}, ...]. */
  function siteKeys() {
    var found = [];
    allKeys().forEach(function (key) {
      var where = parse(key, PREFIX);
      if (where) found.push({ key: key, kind: where.kind, id: where.id });
    });
    return found;
  }

  /* ------------------------------------------------------------ old records */
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
  /* `record` of `kind` in today's shape, or null when it already is. */
  function upgraded(kind, record) {
    if (!isObject(record) || !OLD_NAMES[kind]) return null;
    var out = renamed(record, OLD_NAMES[kind]);
    if (kind !== KINDS.test) return out;
    var scores = {};
    ["last", "best"].forEach(function (field) {
      var value = (out || record)[field];
      var score = isObject(value) ? renamed(value, OLD_SCORE) : null;
      if (score) scores[field] = score;
    });
    if (!Object.keys(scores).length) return out;
    return Object.assign(out || Object.assign({}, record), scores);
  }

  /* ------------------------------------------------------------ records by kind */
  /* The records of one kind, by id. */
  function Records(kind) {
    this.kind = kind;
  }
  /* The record, in today's shape (an old one is written back so), or null. */
  Records.prototype.get = function (id) {
    var key = keyOf(this.kind, id);
    var value = read(key);
    var current = upgraded(this.kind, value);
    if (!current) return value;
    write(key, current);
    return current;
  };
  Records.prototype.set = function (id, record) {
    write(keyOf(this.kind, id), record);
  };
  Records.prototype.remove = function (id) {
    forget(keyOf(this.kind, id));
  };
  /* The ids of every record of this kind the site keeps. */
  Records.prototype.ids = function () {
    var kind = this.kind;
    return siteKeys()
      .filter(function (entry) {
        return entry.kind === kind;
      })
      .map(function (entry) {
        return entry.id;
      });
  };

  var store = {
    /* Start of every key of this site (for tests, and themes that keep more). */
    prefix: PREFIX,
    questions: new Records(KINDS.question),
    mistakes: new Records(KINDS.mistake),
    tests: new Records(KINDS.test),
    badges: new Records(KINDS.badge),
    settings: new Records(KINDS.setting),
    /* Forgets a pattern's progress: its test, its badge, and its questions' records. */
    forgetPattern: function (pattern, questionIds) {
      store.tests.remove(pattern);
      store.badges.remove(pattern);
      questionIds.forEach(function (id) {
        store.questions.remove(id);
        store.mistakes.remove(id);
      });
    },
    /* Forgets everything this site keeps, settings included. */
    forgetAll: function () {
      siteKeys().forEach(function (entry) {
        forget(entry.key);
      });
    }
  };

  /* Keys saved before kinds existed were a bare question id, or "view" for the practice
   * view: they move to their kind (an answer kept as a position is then dropped when
   * read, see question.js). */
  function renameBareKeys() {
    siteKeys().forEach(function (entry) {
      if (entry.kind !== null) return;
      var value = read(entry.key);
      var records = typeof value === "string" ? store.settings : store.questions;
      if (value !== null && records.get(entry.id) === null) {
        records.set(entry.id, upgraded(records.kind, value) || value);
      }
      forget(entry.key);
    });
  }

  /* ------------------------------------------------------------ other builds */
  /* Keys of the other builds of this title, by their prefix: "qbank:<slug>:" (a site
   * built before identities) and "qbank:<slug>.<identity>:" (another set of patterns). */
  function otherBuilds() {
    var groups = {};
    allKeys().forEach(function (key) {
      if (typeof key !== "string" || key.indexOf(FAMILY) !== 0 || key.indexOf(PREFIX) === 0) return;
      var tag = /^(:|[.][0-9a-f]+:)/.exec(key.slice(FAMILY.length));
      if (!tag) return;
      var prefix = FAMILY + tag[0];
      (groups[prefix] = groups[prefix] || []).push(key);
    });
    return groups;
  }
  /* The id of the pattern a record under `prefix` belongs to, or null (a setting). */
  function patternOf(key, prefix) {
    var where = parse(key, prefix);
    if (where.kind === KINDS.test || where.kind === KINDS.badge) return where.id;
    if (where.kind === KINDS.setting) return null;
    var value = read(key);
    if (!isObject(value)) return null;
    var pattern = value.pattern === undefined ? value.p : value.pattern;
    return typeof pattern === "string" ? pattern : null;
  }
  /* The progress of another build of this title moves here when it holds a pattern this
   * page names that this site has no progress on: the same bank, rebuilt with a pattern
   * more or less (or by an older qbank). A bank of the same title that shares no pattern
   * is another site, and keeps its own. A record this site already has stays. */
  function carryOver() {
    var groups = otherBuilds();
    var prefixes = Object.keys(groups);
    if (!prefixes.length) return;
    var named = {};
    qb.all(document, "[data-pattern]").forEach(function (el) {
      named[el.getAttribute("data-pattern")] = true;
    });
    var mine = {};
    siteKeys().forEach(function (entry) {
      var pattern = patternOf(entry.key, PREFIX);
      if (pattern !== null) mine[pattern] = true;
    });
    prefixes.forEach(function (prefix) {
      var ours = groups[prefix].some(function (key) {
        var pattern = patternOf(key, prefix);
        return pattern !== null && named[pattern] === true && !mine[pattern];
      });
      if (!ours) return;
      groups[prefix].forEach(function (key) {
        var here = PREFIX + key.slice(prefix.length);
        var text = readText(key);
        if (text !== null && readText(here) === null) writeText(here, text);
        forget(key);
      });
    });
  }

  qb.store = store;
  carryOver();
  renameBareKeys();
})();
