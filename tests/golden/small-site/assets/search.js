/* Search on the index. The index is cut into parts (see generator/render/search.py): a
 * query loads the manifest, then only the parts holding its words, then the titles and
 * links of the hits it shows. Each part is a script loaded with a <script> tag, as
 * file:// pages cannot fetch() (see qbank.load in qbank.js); it adds itself to
 * window.QBANK_SEARCH under its key.
 * Every word of a query must start a word of the question (title, prompt or choices). */
(function () {
  "use strict";

  var qb = window.qbank;
  var input = document.getElementById("search-input");
  if (!qb || !input) return;
  var base = input.getAttribute("data-search") || "assets/search/";
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var GLOBAL = "QBANK_SEARCH";
  var SHOWN = 50;
  /* Shortest word searched for; shorter ones would match too much to narrow a search. */
  var SHORTEST = 2;
  /* A word whose prefix matches would load more than this is looked up as a whole word. */
  var PREFIX_BYTES = 250000;
  var manifest = null;
  var generation = 0;

  function part(key) {
    var parts = window[GLOBAL];
    return parts && Object.prototype.hasOwnProperty.call(parts, key) ? parts[key] : null;
  }
  /* Loads the script `name` (once) and calls done with its part, or null. */
  function load(name, key, done) {
    qb.load(base + name + ".js", function () {
      return part(key);
    }, done);
  }
  function loadAll(parts, done) {
    var pending = parts.length;
    if (!pending) return done();
    parts.forEach(function (p) {
      load(p[0], p[1], function () {
        if (--pending === 0) done();
      });
    });
  }
  function withManifest(done) {
    if (manifest) return done(manifest);
    load("index", "index", function (found) {
      manifest = found;
      done(found);
    });
  }

  /* The query's words, split as the index split the bank's: letters and digits. */
  function terms(text, stop) {
    var seen = {};
    return text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .map(function (word) {
        return word.slice(0, 40);
      })
      .filter(function (word) {
        var keep = word.length >= SHORTEST && !stop[word] && !seen[word];
        seen[word] = true;
        return keep;
      });
  }
  /* The parts to load for `term`: every word starting with it, unless that would load
   * too much; then the one part holding the word itself. */
  function plan(term) {
    var prefix = [];
    var whole = [];
    var bytes = 0;
    manifest.shards.forEach(function (shard) {
      var start = shard[0];
      var kind = shard[1];
      var below = start.indexOf(term) === 0;
      var covers = term.indexOf(start) === 0;
      if ((kind === "s" && (below || covers)) || (kind === "e" && below)) {
        prefix.push(shard);
        bytes += shard[3];
      }
      if ((kind === "s" && covers) || (kind === "e" && start === term)) whole.push(shard);
    });
    return bytes <= PREFIX_BYTES ? { shards: prefix, whole: false } : { shards: whole, whole: true };
  }
  function decode(gaps) {
    var n = 0;
    return gaps.split(",").map(function (gap) {
      n += parseInt(gap, 36);
      return n;
    });
  }
  /* Numbers of the questions holding a word that `term` starts (or is, when whole). */
  function matches(term, how) {
    var found = {};
    how.shards.forEach(function (shard) {
      var postings = part(shard[1] + ":" + shard[0]) || {};
      Object.keys(postings).forEach(function (word) {
        if (how.whole ? word !== term : word.indexOf(term) !== 0) return;
        decode(postings[word]).forEach(function (n) {
          found[n] = true;
        });
      });
    });
    return found;
  }
  function intersect(sets) {
    var first = Object.keys(sets[0]).map(Number);
    return first
      .filter(function (n) {
        return sets.every(function (set) {
          return set[n];
        });
      })
      .sort(function (a, b) {
        return a - b;
      });
  }

  function showHits(hits, total, text) {
    list.textContent = "";
    hits.forEach(function (n) {
      var chunk = part("d:" + Math.floor(n / manifest.chunk));
      if (!chunk) return;
      var q = chunk.q[n % manifest.chunk];
      var pattern = chunk.p[q[0]];
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
    if (!total) status.textContent = "No question matches “" + text + "”.";
    else if (total > hits.length) status.textContent = total + " matching questions; the first " + hits.length + " are shown.";
    else status.textContent = total + " matching question" + (total === 1 ? "." : "s.");
  }

  function run() {
    var mine = ++generation;
    var text = input.value.trim();
    list.textContent = "";
    if (text.length < SHORTEST) {
      status.textContent = "";
      return;
    }
    withManifest(function (found) {
      if (mine !== generation) return;
      if (!found) {
        status.textContent = "Search could not be loaded.";
        return;
      }
      var stop = {};
      found.stop.forEach(function (word) {
        stop[word] = true;
      });
      var query = terms(text, stop);
      if (!query.length) {
        status.textContent = "Type a longer or less common word to search.";
        return;
      }
      var plans = query.map(plan);
      var parts = [];
      plans.forEach(function (how) {
        how.shards.forEach(function (shard) {
          parts.push([shard[2], shard[1] + ":" + shard[0]]);
        });
      });
      loadAll(parts, function () {
        if (mine !== generation) return;
        var hits = intersect(
          query.map(function (term, i) {
            return matches(term, plans[i]);
          })
        );
        var first = hits.slice(0, SHOWN);
        var chunks = [];
        first.forEach(function (n) {
          var c = Math.floor(n / found.chunk);
          if (chunks.indexOf(c) < 0) chunks.push(c);
        });
        loadAll(
          chunks.map(function (c) {
            return ["d-" + c, "d:" + c];
          }),
          function () {
            if (mine === generation) showHits(first, hits.length, text);
          }
        );
      });
    });
  }

  input.addEventListener("focus", function () {
    withManifest(function () {});
  });
  input.addEventListener("input", run);
  run();
})();
