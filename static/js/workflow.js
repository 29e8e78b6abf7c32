/*
 * Behaviour of the application and review pages (the CSP allows no inline script).
 *
 *   [data-rubric]      the review form: the weighted total (0–100) updates as the
 *                      reviewer types, with the formula of reviews/services.py:
 *                      Σ(score × weight) / (5 × Σ weight) × 100.
 *   [data-aid-rows]    the outside-aid table: "Add a row" clones the last row with
 *                      the next WTForms index (outside_aid-N-field).
 */
'use strict';

(function () {
  function rubricTotal(form) {
    var inputs = form.querySelectorAll('input.rubric-score');
    var output = form.querySelector('#rubric-total');
    if (!output || !inputs.length) { return; }
    function update() {
      var points = 0, best = 0, complete = true;
      inputs.forEach(function (input) {
        var weight = parseInt(input.dataset.weight, 10) || 1;
        var raw = input.value.trim();
        var score = raw === '' ? NaN : Number(raw);
        best += 5 * weight;
        if (!Number.isInteger(score) || score < 0 || score > 5) {
          complete = false;
          return;
        }
        points += score * weight;
      });
      if (!complete || best === 0) {
        output.textContent = '—';
        output.dataset.complete = 'false';
        return;
      }
      output.textContent = (Math.round(points * 10000 / best) / 100).toFixed(2);
      output.dataset.complete = 'true';
    }
    inputs.forEach(function (input) { input.addEventListener('input', update); });
    update();
  }

  function aidRows(body) {
    var button = document.querySelector('[data-add-aid-row]');
    if (!button) { return; }
    button.classList.remove('d-none');
    button.addEventListener('click', function () {
      var rows = body.querySelectorAll('tr.aid-row');
      var last = rows[rows.length - 1];
      var next = rows.length;
      var clone = last.cloneNode(true);
      clone.querySelectorAll('input').forEach(function (input) {
        ['name', 'id'].forEach(function (attr) {
          var value = input.getAttribute(attr);
          if (value) { input.setAttribute(attr, value.replace(/outside_aid-\d+-/, 'outside_aid-' + next + '-')); }
        });
        var label = input.getAttribute('aria-label');
        if (label) { input.setAttribute('aria-label', label.replace(/\d+$/, String(next + 1))); }
        input.value = '';
        input.classList.remove('is-invalid');
      });
      clone.querySelectorAll('.invalid-feedback').forEach(function (el) { el.remove(); });
      body.appendChild(clone);
      var first = clone.querySelector('input');
      if (first) { first.focus(); }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-rubric]').forEach(rubricTotal);
    document.querySelectorAll('[data-aid-rows]').forEach(aidRows);
  });
}());
