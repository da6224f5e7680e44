"""Smart City Profile reports (HTML and PDF) in the web platform (issue 4)."""
