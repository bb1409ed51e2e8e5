"""The web app: the public web chat (and, later, the staff console)."""
