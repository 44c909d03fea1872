{#- This site's identity (assets/site.js), which learners' progress is kept under (see
    static/store.js). It changes with the set of patterns, and only this file holds it:
    a pattern added leaves every other pattern's pages as they were. -#}
window.QBANK_SITE={"identity":{{ site.identity | js_string }}};
