/* One question at a time (Practice, Challenge): Previous and Next, "Question n of N",
 * and the question a URL's "#q-<id>" names. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb) return;
  var one = qb.one;
  var show = qb.show;

  /* Shows one question at a time, or all, with Previous/Next buttons; onShow(question)
   * is called with the question shown (the first of the list when all are). */
  function Pager(section, questions, onShow) {
    this.section = section;
    this.questions = questions;
    this.onShow = onShow || function () {};
    this.index = 0;
    this.single = true;
    this.status = one(section, "[data-pager-status]");
    this.bar = one(section, ".pager");
    var pager = this;
    qb.on(section, "prev", function () {
      pager.go(pager.index - 1, true);
    });
    qb.on(section, "next", function () {
      pager.go(pager.index + 1, true);
    });
  }
  Pager.prototype.go = function (index, focus) {
    var n = this.questions.length;
    this.index = Math.max(0, Math.min(n - 1, index));
    var current = this.index;
    var single = this.single;
    this.questions.forEach(function (q, i) {
      show(q.el, !single || i === current);
    });
    show(this.bar, single && n > 1);
    if (this.bar) {
      one(this.bar, '[data-action="prev"]').disabled = current === 0;
      one(this.bar, '[data-action="next"]').disabled = current === n - 1;
    }
    if (this.status) this.status.textContent = single ? "Question " + (current + 1) + " of " + n : "";
    this.onShow(this.questions[current]);
    if (focus) this.questions[current].focusTitle();
  };
  Pager.prototype.indexOf = function (id) {
    for (var i = 0; i < this.questions.length; i++) if (this.questions[i].id === id) return i;
    return -1;
  };
  /* The index of the question "#q-<id>" names, or -1. Ids are slugs, never
   * percent-escaped, so the hash is compared as it is: decoding it would throw on "#%"
   * and stop every script. */
  Pager.prototype.hashTarget = function () {
    var hash = String(window.location.hash || "");
    return hash.indexOf("#q-") === 0 ? this.indexOf(hash.slice(3)) : -1;
  };

  qb.Pager = Pager;
})();
