"""Cross-cutting pieces: database helpers, money, audit, mail, errors, security."""
