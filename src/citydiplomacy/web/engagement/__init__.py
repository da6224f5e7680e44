"""Calendar, forum sessions, declarations with signatories, and commitments (issue 6)."""
