"""City-to-city partnerships, network memberships and partner matchmaking (issue 5)."""
