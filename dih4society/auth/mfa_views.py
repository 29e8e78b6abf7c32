"""Second factor views: TOTP enrolment and login step, recovery codes, passkeys."""
