/*
 * DIH4Society voucher platform: site-wide behaviour.
 *
 * Loaded on every page by templates/base.html after Bootstrap's bundle. The
 * Content-Security-Policy is `script-src 'self'`, so every script lives in a file
 * under static/js/ and is attached with addEventListener: never inline <script>
 * blocks or on* attributes in the templates.
 *
 *   [data-confirm="…"] on a form, or on a submit button or link: ask with confirm()
 *                      first; nothing is sent when the user says no.
 *   every POST form:   once sent, its submit buttons are disabled, so a second click
 *                      does not send it again (the server's one-time form token,
 *                      core/once.py, is the real guarantee; this spares the round-trip).
 *                      Forms with `data-resubmit` are left alone.
 *   #restored-form     a JSON data block (base.html, core/stash.py): what the user had
 *                      typed when the session ended; it is put back into the fields
 *                      of the same names (outside-aid rows are added as needed).
 */
'use strict';

(function () {
  function ask(element) {
    var question = element && element.getAttribute('data-confirm');
    return !question || window.confirm(question);
  }

  function lockSubmitButtons(form, submitter) {
    // A disabled button is left out of the posted fields, so the clicked one's
    // name=value ("submit" vs "save") is copied into a hidden input first.
    if (submitter && submitter.name) {
      var mirror = document.createElement('input');
      mirror.type = 'hidden';
      mirror.name = submitter.name;
      mirror.value = submitter.value;
      mirror.setAttribute('data-submitter-mirror', '');
      form.appendChild(mirror);
    }
    // After this event: the browser has already collected the form's fields.
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')
        .forEach(function (button) {
          button.disabled = true;
          button.setAttribute('aria-disabled', 'true');
        });
      form.setAttribute('data-sent', '');
    }, 0);
  }

  // Capture phase, so a refusal stops the event before any other handler sees it.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var submitter = event.submitter || null;
    if (!ask(form) || (submitter && submitter !== form && !ask(submitter))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post' || form.hasAttribute('data-resubmit')) {
      return;
    }
    if (form.hasAttribute('data-sent')) {
      event.preventDefault();  // already on its way
      return;
    }
    lockSubmitButtons(form, submitter);
  }, true);

  // Links (and buttons outside forms) that carry data-confirm.
  document.addEventListener('click', function (event) {
    var element = event.target.closest ? event.target.closest('a[data-confirm], button[data-confirm]') : null;
    if (!element || element.form) { return; }  // buttons of a form are asked on submit
    if (!ask(element)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function restoreForm() {
    var block = document.getElementById('restored-form');
    if (!block) { return; }
    var pairs;
    try { pairs = JSON.parse(block.textContent); } catch (e) { return; }
    var values = {};
    pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var addRow = document.querySelector('[data-add-aid-row]');
    Object.keys(values).forEach(function (name) {
      var guard = 0;
      while (addRow && /^outside_aid-\d+-/.test(name) && !document.getElementsByName(name).length && guard < 50) {
        addRow.click();
        guard += 1;
      }
    });
    var forms = [];
    var first = null;
    Object.keys(values).forEach(function (name) {
      document.getElementsByName(name).forEach(function (el) {
        if (!el.form || ['hidden', 'submit', 'button', 'file', 'password'].indexOf(el.type) !== -1) { return; }
        if (forms.indexOf(el.form) === -1) { forms.push(el.form); }
        if (el.type === 'checkbox' || el.type === 'radio') {
          el.checked = values[name].indexOf(el.value) !== -1;
        } else if (el.tagName === 'SELECT' && el.multiple) {
          Array.prototype.forEach.call(el.options, function (option) {
            option.selected = values[name].indexOf(option.value) !== -1;
          });
        } else {
          el.value = values[name][0];
        }
        if (!first && el.tagName === 'TEXTAREA') { first = el; }
      });
    });
    // A checkbox that was not posted had been unticked.
    forms.forEach(function (form) {
      form.querySelectorAll('input[type="checkbox"]').forEach(function (box) {
        if (!Object.prototype.hasOwnProperty.call(values, box.name)) { box.checked = false; }
      });
      form.setAttribute('data-restored', '');
    });
    if (first) { first.focus(); }
  }

  // After every DOMContentLoaded handler (the outside-aid "Add a row" button's included).
  window.addEventListener('load', restoreForm);

  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll('form[data-sent]').forEach(function (form) {
      form.removeAttribute('data-sent');
      form.querySelectorAll('[data-submitter-mirror]').forEach(function (el) { el.remove(); });
      form.querySelectorAll('[aria-disabled="true"]').forEach(function (button) {
        button.disabled = false;
        button.removeAttribute('aria-disabled');
      });
    });
  });
}());
