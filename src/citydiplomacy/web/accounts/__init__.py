"""Accounts and roles: secretariat administrators, city editors, analysts; API tokens."""
