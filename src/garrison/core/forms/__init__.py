"""Web forms of the core: organisation pages, login and the personal account."""
