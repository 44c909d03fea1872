/* The learner's progress, kept in the browser: the one file that knows the storage keys,
 * and which record each holds (the records' shapes: records.js).
 *
 * A key is "qbank:<site>:<kind>:<id>". Every page opened from file:// shares one storage,
 * so <site> names the site: "<slug>.<identity>", the slug of the bank's title (data-bank
 * on <body>) and a hash of that title and the bank's pattern ids, made by the build
 * (assets/site.js, the one file that changes when the set of patterns does). Two banks
 * with the same title keep apart; a rebuild of the same bank reads the same records.
 * <kind> says which record it holds (KINDS below); <id> is a question or pattern id, or
 * a setting's name. Ids are slugs, which never hold ":", so no id can pass for another
 * kind or a setting. An answer is the key of the chosen choice (a hash of its text made
 * at build time, never its position), judged against the page's own answer key whenever
 * it is read: choices that move or change in the bank never turn a wrong answer right.
 *
 * Progress kept by another build of the same title is carried over (see carryOver):
 * by a build of another set of patterns ("qbank:<slug>.<other identity>:"), or by a
 * site built before identities existed, which kept it under the title alone
 * ("qbank:<slug>:"). A record an older site wrote in one-letter fields is read in
 * today's shape and written back in it the first time it is read; keys saved before
 * kinds existed are renamed when any page loads. Nothing a learner kept is lost.
 * Uses window.qbank (qbank.js and records.js) and window.QBANK_SITE (site.js), loaded
 * first. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.records) return;

  var records = qb.records;
  /* The kind of record a key holds, by the shape of that record (see records.js). */
  var KINDS = { question: "q", mistake: "wrong", test: "test", badge: "badge", setting: "setting" };

  /* ------------------------------------------------------------ keys */
  var FAMILY = "qbank:" + (document.body.getAttribute("data-bank") || "bank");
  var SITE = window.QBANK_SITE;
  var IDENTITY = SITE && typeof SITE.identity === "string" ? SITE.identity : "";
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

  /* ------------------------------------------------------------ records by kind */
  /* The records of one kind, by id. */
  function Records(shape) {
    this.shape = shape;
    this.kind = KINDS[shape];
  }
  /* The record, in today's shape (an old one is written back so), or null. */
  Records.prototype.get = function (id) {
    var key = keyOf(this.kind, id);
    var value = read(key);
    var current = records.upgraded(this.shape, value);
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
    questions: new Records("question"),
    mistakes: new Records("mistake"),
    tests: new Records("test"),
    badges: new Records("badge"),
    settings: new Records("setting"),
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
      var kept = typeof value === "string" ? store.settings : store.questions;
      if (value !== null && kept.get(entry.id) === null) {
        kept.set(entry.id, records.upgraded(kept.shape, value) || value);
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
    return records.patternNamed(read(key));
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
