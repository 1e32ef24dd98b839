"""Editions of GB 3838 as data, one module per edition."""
