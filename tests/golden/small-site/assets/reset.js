/* "Reset progress": a pattern's (on its pages) or everything the site keeps (on the
 * index), after the learner confirms. */
(function () {
  "use strict";

  var qb = window.qbank;
  if (!qb || !qb.store) return;
  var one = qb.one;

  qb.all(document, "[data-reset]").forEach(function (box) {
    var ask = one(box, '[data-action="reset-ask"]');
    var confirmBox = one(box, ".reset-confirm");
    function open(visible) {
      qb.show(confirmBox, visible);
      ask.setAttribute("aria-expanded", String(visible));
    }
    qb.on(box, "reset-ask", function () {
      open(true);
      one(box, '[data-action="reset-yes"]').focus();
    });
    qb.on(box, "reset-no", function () {
      open(false);
      ask.focus();
    });
    qb.on(box, "reset-yes", function () {
      if (box.getAttribute("data-reset") === "all") {
        qb.store.forgetAll();
      } else {
        var ids = qb.answerPairs(box).map(function (pair) {
          return pair[0];
        });
        qb.store.forgetPattern(box.getAttribute("data-pattern"), ids);
      }
      window.location.reload();
    });
  });
})();
