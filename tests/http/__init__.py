"""Tests that call the served API over TCP: a spec audit and a real browser."""
