"""Plain-Python implementations of the national standards EcoBrain applies. No Django imports here."""
