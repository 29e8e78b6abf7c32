/*
 * Passkeys (WebAuthn): add one on the security page, sign in with one on the login
 * pages. The server sends the options as JSON (py_webauthn's options_to_json, binary
 * fields in base64url) and verifies what the browser returns. No inline script (CSP).
 */
'use strict';

(function () {
  function b64urlToBuffer(value) {
    const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = atob(padded);
    const buffer = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 1) buffer[i] = bytes.charCodeAt(i);
    return buffer.buffer;
  }

  function bufferToB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (let i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  async function postJson(url, csrf, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, {id: b64urlToBuffer(item.id)});
    });
  }

  function supported() {
    return window.PublicKeyCredential && navigator.credentials && window.isSecureContext;
  }

  function showError(box, error) {
    const target = box.querySelector('[data-passkey-error]');
    if (target) target.textContent = error.message || String(error);
  }

  async function register(box) {
    const options = await postJson(box.dataset.optionsUrl, box.dataset.csrf);
    options.challenge = b64urlToBuffer(options.challenge);
    options.user.id = b64urlToBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    const credential = await navigator.credentials.create({publicKey: options});
    const json = {
      id: credential.id,
      rawId: bufferToB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: bufferToB64url(credential.response.clientDataJSON),
        attestationObject: bufferToB64url(credential.response.attestationObject),
        transports: credential.response.getTransports ? credential.response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
    const name = box.querySelector('#passkey-name');
    const result = await postJson(box.dataset.registerUrl, box.dataset.csrf,
      {credential: json, name: name ? name.value : ''});
    window.location.assign(result.redirect);
  }

  async function signIn(box) {
    const options = await postJson(box.dataset.optionsUrl, box.dataset.csrf);
    options.challenge = b64urlToBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    const credential = await navigator.credentials.get({publicKey: options});
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: bufferToB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: bufferToB64url(response.clientDataJSON),
        authenticatorData: bufferToB64url(response.authenticatorData),
        signature: bufferToB64url(response.signature),
        userHandle: response.userHandle ? bufferToB64url(response.userHandle) : null,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
    const result = await postJson(box.dataset.loginUrl, box.dataset.csrf,
      {credential: json, next: box.dataset.next || ''});
    window.location.assign(result.redirect);
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!supported()) return;
    document.querySelectorAll('[data-passkey-register]').forEach(function (box) {
      const controls = box.querySelector('[data-passkey-controls]');
      if (controls) controls.classList.remove('d-none');
      const button = box.querySelector('#passkey-add');
      if (button) {
        button.addEventListener('click', function () {
          button.disabled = true;
          register(box).catch(function (error) { showError(box, error); button.disabled = false; });
        });
      }
    });
    document.querySelectorAll('[data-passkey-login]').forEach(function (box) {
      box.classList.remove('d-none');
      const button = box.querySelector('#passkey-login');
      button.addEventListener('click', function () {
        button.disabled = true;
        signIn(box).catch(function (error) { showError(box, error); button.disabled = false; });
      });
    });
  });
}());
