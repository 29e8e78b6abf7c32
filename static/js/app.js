/*
 * DIH4Society voucher platform: site-wide behaviour.
 *
 * Loaded on every page by templates/base.html after Bootstrap's bundle. The
 * Content-Security-Policy is `script-src 'self'`, so every script lives in a file
 * under static/js/ and is attached with addEventListener: never inline <script>
 * blocks or on* attributes in the templates.
 *
 * Hooks the templates already provide for behaviour added later:
 *   - forms with a `data-confirm="…"` attribute: ask before submitting.
 */
'use strict';
