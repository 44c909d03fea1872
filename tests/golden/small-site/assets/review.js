/* The review page: every question the learner last answered wrong, in any pattern and
 * mode, answered again in place; a right answer takes it off the list.
 *
 * The list is the learner's MistakeRecords (see records.js). A pattern's questions come
 * from assets/review/<pattern>.js, loaded with a <script> tag (file:// pages cannot
 * fetch; see qbank.load), a few patterns at a time. A
 * record whose pattern, question or chosen choice the site no longer has is dropped
 * quietly, and so is one whose answer the bank now counts as right. */
(function () {
  "use strict";

  var qb = window.qbank;
  var section = document.querySelector('[data-mode="review"]');
  if (!qb || !qb.Question || !section) return;
  var one = qb.one;
  var status = one(section, "[data-review-status]");
  var list = one(section, "[data-review-list]");
  var more = one(section, '[data-action="more"]');
  /* Questions shown per step: the patterns they need are loaded, no more. */
  var BATCH = 20;
  var SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var GLOBAL = "QBANK_REVIEW";

  var mistakes = qb.store.mistakes;
  /* [{id, mistake: MistakeRecord}, ...] */
  var items = [];
  mistakes.ids().forEach(function (id) {
    var r = mistakes.get(id);
    var kept = r && typeof r.pattern === "string" && SLUG.test(r.pattern) && SLUG.test(id);
    if (kept) items.push({ id: id, mistake: r });
    else mistakes.remove(id);
  });
  /* The most recent mistakes first (those of one finished test by id). */
  items.sort(function (a, b) {
    var later = (Number(b.mistake.at) || 0) - (Number(a.mistake.at) || 0);
    return later || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  var left = items.length;
  var next = 0;
  var shown = 0;

  function say() {
    if (left > 0) status.textContent = qb.plural(left, "question") + " to review.";
    else if (shown > 0) status.textContent = "All done: nothing left to review.";
    else status.textContent = "Nothing to review. Questions you answer wrong in any mode come here.";
  }

  /* A pattern's questions, from its script (loaded once); null when it has none. */
  function load(pattern, done) {
    function found() {
      return window[GLOBAL] && window[GLOBAL][pattern];
    }
    qb.load("assets/review/" + pattern + ".js", found, done);
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
    mistakes.remove(item.id);
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
    var mistake = item.mistake;
    var last = mistake.choice === undefined ? null : mistake.choice;
    if ((last !== null && !q.has(last)) || q.right(last)) return drop(item);
    /* In the order it was answered in, so its letters are the ones the learner saw. */
    q.arrange(typeof mistake.seed === "number" ? mistake.seed : null);
    shown++;
    q.number(shown);
    var note = document.createElement("p");
    note.className = "review-last";
    var letter = typeof mistake.letter === "string" && mistake.letter ? mistake.letter : q.letterOf(last);
    note.textContent =
      last === null ? "Last time you did not answer it." : "Last time you chose " + letter + ", which is wrong.";
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
        answer = { choice: key, done: true };
        var before = !!mistakes.get(q.id);
        qb.noteAnswer(q, item.mistake.pattern, key, "review");
        var after = !!mistakes.get(q.id);
        if (before && !after) left--;
        if (!before && after) left++;
        say();
      },
      forget: function () {
        answer = null;
      }
    });
    if (last !== null) q.markLast(last);
  }

  function step(after) {
    var batch = items.slice(next, next + BATCH);
    next += batch.length;
    var patterns = [];
    batch.forEach(function (item) {
      if (patterns.indexOf(item.mistake.pattern) < 0) patterns.push(item.mistake.pattern);
    });
    var data = {};
    var pending = patterns.length;
    function done() {
      batch.forEach(function (item) {
        add(item, data[item.mistake.pattern]);
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
