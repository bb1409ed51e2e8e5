"""Human handoff: escalated conversations, staff accounts and the audit log.

Plain SQLAlchemy over our own tables, no Rasa import: used by the action server (to
escalate), the web app's staff console (to handle cases) and the CLI (staff accounts).
"""
