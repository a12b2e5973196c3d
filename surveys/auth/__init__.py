"""Sign-in, roles and accounts for partnership staff. Respondents never sign in."""
