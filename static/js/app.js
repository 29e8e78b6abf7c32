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
