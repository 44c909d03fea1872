{#- A pattern's questions as the review page shows them (assets/review/<pattern-id>.js).
    Each is written as on the pattern's own pages: review.js resolves its links from there. -#}
{% from "_macros.html" import practice_question -%}
{% set p = page.pattern -%}
(window.QBANK_REVIEW=window.QBANK_REVIEW||{})[{{ p.id | js_string }}]={"title":{{ p.title | js_string }},"url":{{ page.url | js_string }},"number":{{ page.number }},"questions":{
{%- for q in p.questions %}
{%- set v = views[q.id] %}
{%- set mode_name = "challenge" if q.mode == "challenge" else "practice" %}
{%- set html %}{% call practice_question(v, "", p.topic, site.report_url) %}<p class="review-from">From <a href="{{ mode_name }}.html#q-{{ q.id }}">{{ p.title }}</a> · {{ mode_name | capitalize }}</p>{% endcall %}{% endset %}
{{ q.id | js_string }}:{{ html | js_string }}{{ "," if not loop.last }}
{%- endfor %}}};
