"""Pure domain types; imports only the standard library."""
