/* qbank learner site: the small library every page loads first, as window.qbank.
 *
 * No framework and no inline script (the pages' CSP forbids it): pages carry their data
 * in data-* attributes. One job per file, each loaded by the pages that need it, in this
 * order (later files use what earlier ones add to window.qbank):
 *   qbank.js     DOM and text helpers, seeded randomness, loading a script on demand
 *   site.js      this site's identity, written by the build (window.QBANK_SITE)
 *   records.js   the shape of each record of progress, and the upgrade of older ones
 *   store.js     where progress is kept, under which key (the only file that knows keys)
 *   reset.js     the "Reset progress" buttons
 *   question.js  a question as shown, its stored record, answering until right
 *   pager.js     one question at a time, and the question a URL's #q-<id> names
 *   practice.js  challenge.js  test.js   the three modes of a pattern
 *   draw.js      which questions a Test attempt shows, in which order (before test.js)
 *   attempt.js   a Test's attempts as kept: drawn, answered, scored (before test.js)
 *   progress.js  progress on the index, topic pages and overviews
 *   review.js    the review page            search.js   search on the index */
(function () {
  "use strict";

  /* ------------------------------------------------------------ DOM */
  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }
  function one(root, selector) {
    return root.querySelector(selector);
  }
  function show(el, visible) {
    if (el) el.hidden = !visible;
  }
  /* Calls handler(button, event) on a click of a [data-action="<action>"] inside root. */
  function on(root, action, handler) {
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (button && button.getAttribute("data-action") === action && root.contains(button)) {
        handler(button, event);
      }
    });
  }

  /* ------------------------------------------------------------ page data */
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

  /* ------------------------------------------------------------ text */
  function clock(seconds) {
    var s = Math.max(0, seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }
  /* "8 of 10 (80%)" from a Score (see records.js). */
  function scoreText(score) {
    return score.correct + " of " + score.total + " (" + Math.round((100 * score.correct) / score.total) + "%)";
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

  /* ------------------------------------------------------------ scripts on demand */
  /* file:// pages cannot fetch(), so data the site loads later (search parts, review
   * questions) comes as scripts that add themselves to a global. load() adds the script
   * `src` once and calls done with found(): what the script added, or null. Every call
   * made while it loads waits for it; a failed load is done too, with null. */
  var waiting = {};
  function load(src, found, done) {
    var ready = found();
    if (ready) return done(ready);
    if (waiting[src]) return waiting[src].push(done);
    waiting[src] = [done];
    var script = document.createElement("script");
    function settle() {
      var calls = waiting[src];
      delete waiting[src];
      var data = found() || null;
      calls.forEach(function (call) {
        call(data);
      });
    }
    script.onload = settle;
    script.onerror = settle;
    script.src = src;
    document.head.appendChild(script);
  }

  window.qbank = {
    all: all,
    one: one,
    show: show,
    on: on,
    answerPairs: answerPairs,
    clock: clock,
    plural: plural,
    scoreText: scoreText,
    newSeed: newSeed,
    random: random,
    shuffled: shuffled,
    load: load
  };
})();
