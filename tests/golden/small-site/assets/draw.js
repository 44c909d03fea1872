/* Which questions a Test attempt shows, and in which order: drawn over the difficulty
 * bands by the attempt's seed, never the attempt before it again. Used by test.js.
 * Uses window.qbank (qbank.js and question.js, loaded first). */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.Question) return;
  var random = qb.random;
  var shuffled = qb.shuffled;
  var BANDS = ["easy", "medium", "hard"];

  /* Round robin over the bands (each shuffled by the seed) until `limit` of the questions
   * `allowed` (by id) are drawn; shown easy first, each band in the attempt's own order
   * (when no band has two questions, the whole set is in the attempt's order). */
  function draw(pool, allowed, limit, seed) {
    var next = random(seed, "draw");
    var bands = {};
    BANDS.forEach(function (band) {
      bands[band] = [];
    });
    pool.forEach(function (q) {
      if (allowed[q.id]) (bands[q.band] || bands.medium).push(q);
    });
    var pools = BANDS.map(function (band) {
      return shuffled(bands[band], next);
    });
    var chosen = {};
    var count = 0;
    var want = Math.min(limit, Object.keys(allowed).length);
    while (count < want) {
      pools.forEach(function (left) {
        if (left.length && count < want) {
          chosen[left.shift().id] = true;
          count++;
        }
      });
    }
    var order = random(seed, "order");
    var parts = BANDS.map(function (band) {
      var drawn = bands[band].filter(function (q) {
        return chosen[q.id];
      });
      return shuffled(drawn, order);
    });
    var banded = parts.some(function (part) {
      return part.length > 1;
    });
    if (!banded) parts = [shuffled([].concat(parts[0], parts[1], parts[2]), order)];
    var ids = [];
    parts.forEach(function (part) {
      part.forEach(function (q) {
        ids.push(q.id);
      });
    });
    return ids;
  }

  /* Whether a new attempt differs enough from the one before: another order of
   * questions, another set when the pool has others, and another order of choices in a
   * question both show that shuffles. */
  function differs(byId, old, seed, ids, allowed) {
    if (!old || !Array.isArray(old.questions) || typeof old.seed !== "number") return true;
    var before = old.questions.filter(function (id) {
      return Object.prototype.hasOwnProperty.call(byId, id);
    });
    if (ids.length > 1 && ids.join(" ") === before.join(" ")) return false;
    var more = Object.keys(allowed).length > ids.length;
    if (more && ids.slice().sort().join(" ") === before.slice().sort().join(" ")) return false;
    var both = ids.filter(function (id) {
      return before.indexOf(id) >= 0 && byId[id].shuffles && byId[id].keys.length > 1;
    });
    function looks(at) {
      return both
        .map(function (id) {
          return byId[id].orderFor(at);
        })
        .join(" | ");
    }
    return !both.length || looks(seed) !== looks(old.seed);
  }

  /* A new attempt, {seed, questions}: up to `limit` of the `pool`'s questions `allowed`
   * (by id), unlike the attempt `old` (a TestRecord, or null). */
  function attempt(pool, allowed, limit, old) {
    var byId = {};
    pool.forEach(function (q) {
      byId[q.id] = q;
    });
    var seed = qb.newSeed();
    var ids = draw(pool, allowed, limit, seed);
    for (var tries = 0; tries < 50 && !differs(byId, old, seed, ids, allowed); tries++) {
      seed = qb.newSeed();
      ids = draw(pool, allowed, limit, seed);
    }
    return { seed: seed, questions: ids };
  }

  qb.drawAttempt = attempt;
})();
