"""wirewatch."""
