/* The review page: every question the learner last answered wrong, in any pattern and
 * mode, answered again in place; a right answer takes it off the list.
 *
 * The list is the "wrong:<id>" records qbank.js keeps ({p: pattern, c: choice key or
 * null, m: mode, t: time}). A pattern's questions come from assets/review/<pattern>.js,
 * loaded with a <script> tag (file:// pages cannot fetch), a few patterns at a time. A
 * record whose pattern, question or chosen choice the site no longer has is dropped
 * quietly, and so is one whose answer the bank now counts as right. */
(function () {
  "use strict";

  var qb = window.qbank;
  var section = document.querySelector('[data-mode="review"]');
  if (!qb || !section) return;
  var one = qb.one;
  var status = one(section, "[data-review-status]");
  var list = one(section, "[data-review-list]");
  var more = one(section, '[data-action="more"]');
  /* Questions shown per step: the patterns they need are loaded, no more. */
  var BATCH = 20;
  var SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var GLOBAL = "QBANK_REVIEW";

  var items = [];
  qb.store.keys().forEach(function (key) {
    if (key.indexOf("wrong:") !== 0) return;
    var s = qb.store.get(key);
    var id = key.slice("wrong:".length);
    if (s && typeof s.p === "string" && SLUG.test(s.p) && SLUG.test(id)) items.push({ id: id, s: s });
    else qb.store.remove(key);
  });
  /* The most recent mistakes first (those of one finished test by id). */
  items.sort(function (a, b) {
    return (Number(b.s.t) || 0) - (Number(a.s.t) || 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  var left = items.length;
  var next = 0;
  var shown = 0;
  var waiting = {};

  function say() {
    if (left > 0) status.textContent = qb.plural(left, "question") + " to review.";
    else if (shown > 0) status.textContent = "All done: nothing left to review.";
    else status.textContent = "Nothing to review. Questions you answer wrong in any mode come here.";
  }

  /* A pattern's questions, from its script (loaded once); null when it has none. */
  function load(pattern, done) {
    var loaded = window[GLOBAL] && window[GLOBAL][pattern];
    if (loaded) return done(loaded);
    if (waiting[pattern]) return waiting[pattern].push(done);
    waiting[pattern] = [done];
    var script = document.createElement("script");
    function settle() {
      var data = (window[GLOBAL] && window[GLOBAL][pattern]) || null;
      var calls = waiting[pattern];
      delete waiting[pattern];
      calls.forEach(function (call) {
        call(data);
      });
    }
    script.onload = settle;
    script.onerror = settle;
    script.src = "assets/review/" + pattern + ".js";
    document.head.appendChild(script);
  }

  /* Links and images are written for the pattern's own folder: resolve them from here. */
  function rebase(el, folder) {
    qb.all(el, "[href], [src]").forEach(function (node) {
      ["href", "src"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (value === null || /^([a-z][a-z0-9+.-]*:|\/|#)/i.test(value)) return;
        node.setAttribute(name, folder + value);
      });
    });
  }

  function drop(item) {
    qb.store.remove(qb.KEY.wrong(item.id));
    left--;
  }

  function add(item, data) {
    var html = data && data.questions && data.questions[item.id];
    if (typeof html !== "string") return drop(item);
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var el = holder.content.querySelector("article.question");
    if (!el) return drop(item);
    rebase(el, String(data.url));
    var q = new qb.Question(el);
    var last = item.s.c === undefined ? null : item.s.c;
    if ((last !== null && !q.has(last)) || q.right(last)) return drop(item);
    shown++;
    q.number(shown);
    var note = document.createElement("p");
    note.className = "review-last";
    note.textContent =
      last === null ? "Last time you did not answer it." : "Last time you chose " + q.letterOf(last) + ", which is wrong.";
    el.insertBefore(note, one(el, ".choices"));
    list.appendChild(el);
    qb.hints(el);
    var answer = null;
    qb.answerable(q, {
      rightNote: " It leaves your review list.",
      get: function () {
        return answer;
      },
      save: function (key) {
        answer = { c: key, done: true };
        var before = !!qb.store.get(qb.KEY.wrong(q.id));
        qb.noteAnswer(q, item.s.p, key, "review");
        var after = !!qb.store.get(qb.KEY.wrong(q.id));
        if (before && !after) left--;
        if (!before && after) left++;
        say();
      },
      forget: function () {
        answer = null;
      }
    });
  }

  function step(after) {
    var batch = items.slice(next, next + BATCH);
    next += batch.length;
    var patterns = [];
    batch.forEach(function (item) {
      if (patterns.indexOf(item.s.p) < 0) patterns.push(item.s.p);
    });
    var data = {};
    var pending = patterns.length;
    function done() {
      batch.forEach(function (item) {
        add(item, data[item.s.p]);
      });
      qb.show(more, next < items.length);
      say();
      if (after) after();
    }
    if (!pending) return done();
    patterns.forEach(function (pattern) {
      load(pattern, function (found) {
        data[pattern] = found;
        if (--pending === 0) done();
      });
    });
  }

  qb.on(section, "more", function () {
    var first = list.children.length;
    step(function () {
      var title = list.children[first] && one(list.children[first], ".q-title");
      if (title) title.focus();
    });
  });
  step();
})();
